#pragma once
// Crash injection at named moments, for tests (the idea of etcd's gofail or FreeBSD's fail points):
// with TORCHVINO_FAULT=<name> in the environment, the process kills itself with SIGKILL when it
// reaches fault_point(<name>), so a test can check what a crash at exactly that moment leaves
// behind — moments a random kill hits once in a million runs. Without the variable it costs one
// getenv.
//
// Points: "between-renames" (a set of files half published), "after-renames" (published, its
// rollback journal not yet removed).
namespace torchvino::util {

void fault_point(const char* name);

}  // namespace torchvino::util
