#include "util/serial_libtorch.hpp"

#include <ATen/Parallel.h>

// libgomp's, per thread (the nthreads ICV of the calling thread): LibTorch reads it through
// omp_get_max_threads() before it opens a parallel region. No <omp.h>: not every compiler's
// include path has one, and the library is the wheel's libgomp either way (cmake/TorchCPU.cmake).
extern "C" {
void omp_set_num_threads(int);
int omp_get_max_threads(void);
}

namespace torchvino::util {

SerialLibTorch::SerialLibTorch() {
  // LibTorch sets a thread's OpenMP thread count once, on its first parallel operation: let it do
  // so now, or it would later replace ours.
  at::internal::lazy_init_num_threads();
  previous_ = omp_get_max_threads();
  omp_set_num_threads(1);
}

SerialLibTorch::~SerialLibTorch() { omp_set_num_threads(previous_); }

}  // namespace torchvino::util
