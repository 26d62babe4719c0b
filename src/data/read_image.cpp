// The only translation unit that compiles stb_image. Its functions are made static so that
// another part of the program using stb (or libstb) cannot clash with these symbols. No LibTorch:
// the runtime library decodes images with it.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_NO_STDIO
// JPEG and PNG only: the decoders the fuzzing campaign covered (tests/fuzz, bench/fuzz.sh). stb's
// others are off until they pass it too — the PNM header parser overflowed within minutes.
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#include <stb/stb_image.h>

#include <cstring>
#include <limits>
#include <memory>

#include "data/file_bytes.hpp"
#include "data/stb_guards.hpp"
#include "torchvino/error.hpp"
#include "torchvino/image.hpp"
#include "util/strings.hpp"

namespace torchvino {

Image read_image(const std::filesystem::path& file) {
  std::vector<uint8_t> bytes = data::read_file_bytes(file);
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw Error(util::cat(file.string(), ": image file too large to decode"));
  }
  data::check_jpeg_huffman_tables(bytes, file);
  data::drop_empty_png_data_chunks(bytes);
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(bytes.data(), len, &w, &h, &comp)) {
    throw Error(util::cat(file.string(), ": cannot decode image (", stbi_failure_reason(),
                          "); expected a JPEG or PNG file"));
  }
  const uint64_t pixels_max = input_limits().max_image_pixels;
  if (uint64_t(w) * uint64_t(h) > pixels_max)
    throw Error(util::cat(file.string(), ": image is ", w, "×", h, " pixels, more than the limit of ", pixels_max,
                          " (raise it with --max-image-pixels)"));
  // Gray and gray+alpha stay one channel; colour drops alpha, which models do not take.
  const int channels = comp <= 2 ? 1 : 3;
  std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> pixels(
      stbi_load_from_memory(bytes.data(), len, &w, &h, &comp, channels), &stbi_image_free);
  if (!pixels) {
    throw Error(util::cat(file.string(), ": cannot decode image (", stbi_failure_reason(), ")"));
  }
  Image image{.height = h, .width = w, .channels = channels, .pixels = {}};
  image.pixels.assign(pixels.get(), pixels.get() + static_cast<size_t>(h) * w * channels);
  return image;
}

}  // namespace torchvino
