// A whole state-dict file as `--weights` reads it: zip structure, records and pickle together.
#include "fuzz_support.hpp"
#include "torchvino/state_dict.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = torchvino::fuzz::write_scratch("weights.pt", data, size);
  torchvino::fuzz::refuse_cleanly([&] { torchvino::read_state_dict(file); });
  return 0;
}
