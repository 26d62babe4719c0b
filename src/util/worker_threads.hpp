#pragma once
// How many worker threads a `threads` setting means: 0 is every CPU this process may run on, as
// for OpenVINO's and LibTorch's own `--threads 0`.
#include <algorithm>
#include <thread>

namespace torchvino::util {

inline int worker_threads(int requested) {
  return requested > 0 ? requested : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace torchvino::util
