#pragma once
// Image files decoded to 8-bit pixels, without LibTorch: what the runtime library (Classifier) and
// the dataset loaders share.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "torchvino/export.hpp"

namespace torchvino {

// What an input file may make us allocate: a small crafted file (a 1 MB .gz that inflates to
// gigabytes, a 400 KB PNG of 20000×20000 pixels) is refused before the memory is taken. Passed to
// each reader call (no process-wide setting: two callers in one process may want different ones).
// Errors about them name the option fields max_input_mb and max_image_pixels.
struct InputLimits {
  uint64_t max_decompressed_bytes = uint64_t{1} << 30;  // Fashion-MNIST's training images: 47 MB
  uint64_t max_image_pixels = 50'000'000;               // a 50-megapixel photo
};

// A decoded image: rows of height×width pixels, channels interleaved (HWC), no padding.
struct Image {
  int64_t height = 0, width = 0;
  int64_t channels = 0;  // 1 (gray) or 3 (RGB)
  std::vector<uint8_t> pixels = {};
};

// Decodes a JPEG (libjpeg-turbo) or PNG (libpng) to 8-bit gray (1 channel, also for gray+alpha) or
// RGB (3 channels; palettes expanded, 16 bits scaled to 8, alpha dropped: models do not take it),
// as PIL's convert("L"/"RGB") does. Throws Error naming the file when it is missing, unreadable,
// not a JPEG or PNG, corrupt or truncated (libjpeg's warnings count), or larger than
// limits.max_image_pixels (checked before the pixels are allocated).
TORCHVINO_API Image read_image(const std::filesystem::path& file, const InputLimits& limits = {});

// The file name extensions of the formats read_image decodes, lower case with the dot (".jpg",
// ".jpeg", ".png"): what folders of images are scanned for.
TORCHVINO_API const std::vector<std::string>& image_extensions();
// True when `file`'s extension, in any case, is one of image_extensions().
TORCHVINO_API bool has_image_extension(const std::filesystem::path& file);

}  // namespace torchvino
