#include <torch/torch.h>

#include <cstring>

#include "torchvino/data.hpp"
#include "torchvino/image.hpp"

namespace torchvino {

torch::Tensor decode_image(const std::filesystem::path& file, const InputLimits& limits) {
  const Image image = read_image(file, limits);
  auto out = torch::empty({image.height, image.width, image.channels}, torch::kUInt8);
  std::memcpy(out.data_ptr<uint8_t>(), image.pixels.data(), image.pixels.size());
  return out;
}

}  // namespace torchvino
