#include "util/fault_point.hpp"

#include <signal.h>

#include <cstdlib>
#include <cstring>

namespace torchvino::util {

void fault_point(const char* name) {
  const char* wanted = std::getenv("TORCHVINO_FAULT");
  if (wanted != nullptr && std::strcmp(wanted, name) == 0) ::raise(SIGKILL);
}

}  // namespace torchvino::util
