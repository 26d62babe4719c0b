// A checkpoint as `--checkpoint` reads it: the torch.save format with its metadata, or the legacy
// TorchScript archive, then the model it describes built and loaded.
#include "fuzz_support.hpp"
#include "torchvino/models.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = torchvino::fuzz::write_scratch("model.pt", data, size);
  torchvino::fuzz::refuse_cleanly([&] { torchvino::load_checkpoint(file); });
  return 0;
}
