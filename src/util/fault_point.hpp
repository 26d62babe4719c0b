#pragma once
// Crash injection at named moments, for tests (the idea of etcd's gofail or FreeBSD's fail points):
// with TORCHVINO_FAULT=<name> in the environment, the process kills itself with SIGKILL when it
// reaches fault_point(<name>), so a test can check what a crash at exactly that moment leaves
// behind — moments a random kill hits once in a million runs. Without the variable it costs one
// getenv.
//
// Only the static library (what the CLI and the tests link) has them: libtorchvino_runtime.so is
// compiled with TORCHVINO_NO_FAULT_POINTS, and there a fault point is nothing at all, so the
// shipped library has no hook a stray environment variable could trigger.
//
// Points: "between-renames" (a set of files half published), "after-renames" (published, its
// rollback journal not yet removed).
namespace torchvino::util {

#ifndef TORCHVINO_NO_FAULT_POINTS
void fault_point(const char* name);
#else
inline void fault_point(const char* /*name*/) {}
#endif

}  // namespace torchvino::util
