// An image file as the image-folder loader and `classify` decode it (read_image: JPEG and PNG).
#include "fuzz_support.hpp"
#include "torchvino/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = torchvino::fuzz::write_scratch("image.png", data, size);
  torchvino::fuzz::refuse_cleanly([&] { torchvino::read_image(file, torchvino::fuzz::kLimits); });
  return 0;
}
