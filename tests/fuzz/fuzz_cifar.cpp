// A CIFAR-10 binary batch (test_batch.bin in a folder of its own).
#include <filesystem>

#include "fuzz_support.hpp"
#include "torchvino/data.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace torchvino;
  static const std::filesystem::path dir = [] {
    const auto d = fuzz::scratch() / "cifar-10-batches-bin";
    std::filesystem::create_directories(d);
    return d;
  }();
  fuzz::write_scratch("cifar-10-batches-bin/test_batch.bin", data, size);
  fuzz::refuse_cleanly([&] { read_cifar10(dir, Split::Test); });
  return 0;
}
