#include "torchvino/runtime.hpp"

namespace torchvino {

ov::Core& openvino_core() {
  static ov::Core core;
  return core;
}

}  // namespace torchvino
