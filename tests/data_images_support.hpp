#pragma once
// What the data_images_*_test files share: image files written by the tests (PNGs through
// stb_image_write), and checks of error messages.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>
#include <torch/torch.h>

#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "torchvino/data.hpp"
#include "torchvino/error.hpp"

// Internal linkage: stb_image_write is compiled static into each test file that includes this.
namespace {

namespace fs = std::filesystem;
using namespace torchvino;
using test_support::Bytes;
using test_support::TempDir;
using test_support::write_bytes;


inline void write_text(const fs::path& file, const std::string& text) {
  write_bytes(file, Bytes(text.begin(), text.end()));
}

// A w×h PNG whose pixel (y, x), channel c is value(y, x, c).
inline void write_png(const fs::path& file, int w, int h, int comp,
               const std::function<uint8_t(int, int, int)>& value) {
  fs::create_directories(file.parent_path());
  Bytes pixels(static_cast<size_t>(w * h * comp));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < comp; ++c)
        pixels[static_cast<size_t>((y * w + x) * comp + c)] = value(y, x, c);
  ASSERT_NE(stbi_write_png(file.c_str(), w, h, comp, pixels.data(), w * comp), 0) << file;
}

using test_support::expect_error;

// A uint8 H×W×C image with the given values, row-major.
inline torch::Tensor image(int64_t h, int64_t w, int64_t c, const std::vector<int>& values) {
  return torch::tensor(values, torch::kInt).to(torch::kUInt8).view({h, w, c});
}

inline Preprocessing plain(int64_t channels) {
  Preprocessing p;
  p.channels = channels;
  return p;
}

// root/{ant,cat,dog}: ant has a uniform 60 image, cat two colour images, dog a gray one and a
// non-image file that must be ignored.
inline void write_folder(const fs::path& root) {
  write_png(root / "cat" / "b.png", 6, 4, 3, [](int, int, int c) { return 10 + c; });
  write_png(root / "cat" / "a.png", 6, 4, 3, [](int, int, int c) { return 20 + c; });
  write_png(root / "dog" / "x.PNG", 6, 4, 1, [](int, int, int) { return 255; });
  write_text(root / "dog" / "notes.txt", "ignored");
  write_png(root / "ant" / "sub" / "z.png", 6, 4, 3, [](int, int, int) { return 60; });
}

}  // namespace
