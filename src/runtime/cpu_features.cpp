#include "torchvino/runtime.hpp"

namespace torchvino {

bool cpu_has_vnni() {
#if defined(__x86_64__) || defined(__i386__)
  // cpuid via the compiler: AMX CPUs report avx512vnni too.
  return __builtin_cpu_supports("avx512vnni") || __builtin_cpu_supports("avxvnni");
#else
  return false;
#endif
}

}  // namespace torchvino
