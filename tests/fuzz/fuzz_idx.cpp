// An IDX file (MNIST's format), plain or gzip-compressed: the reader tells them apart by content.
#include "fuzz_support.hpp"
#include "torchvino/data.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = torchvino::fuzz::write_scratch("images-idx3-ubyte", data, size);
  torchvino::fuzz::refuse_cleanly([&] { torchvino::read_idx(file, torchvino::fuzz::kLimits); });
  return 0;
}
