// .npy output (read by NumPy in the NNCF benchmark): header layout and data bytes.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "torchvino/error.hpp"
#include "util/npy.hpp"

namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST(Npy, WritesVersion1HeaderPaddedTo64AndRawFloats) {
  const auto dir = std::filesystem::temp_directory_path() / ("torchvino_npy_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "x.npy";
  // Non-contiguous double input: written as C-order float32.
  const auto t = torch::arange(6, torch::kDouble).reshape({3, 2}).t();
  torchvino::save_npy(t, file);
  const std::string bytes = read_all(file);
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_length = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
  EXPECT_EQ((10 + header_length) % 64, 0u);
  const std::string header = bytes.substr(10, header_length);
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos) << header;
  EXPECT_NE(header.find("'fortran_order': False"), std::string::npos) << header;
  EXPECT_NE(header.find("'shape': (2, 3)"), std::string::npos) << header;
  EXPECT_EQ(header.back(), '\n');
  ASSERT_EQ(bytes.size(), 10 + header_length + 6 * sizeof(float));
  std::vector<float> values(6);
  std::memcpy(values.data(), bytes.data() + 10 + header_length, 6 * sizeof(float));
  EXPECT_EQ(values, (std::vector<float>{0, 2, 4, 1, 3, 5}));
  std::filesystem::remove_all(dir);
}

TEST(Npy, UnwritableTargetIsAnErrorNamingIt) {
  // The "folder" is a regular file, so nothing can be created below it (not even as root).
  const auto blocker = std::filesystem::temp_directory_path() / ("torchvino_npy_file_" + std::to_string(::getpid()));
  std::ofstream(blocker) << "not a folder";
  const auto target = blocker / "x.npy";
  try {
    torchvino::save_npy(torch::zeros({2}), target);
    ADD_FAILURE() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(blocker.string()), std::string::npos) << e.what();
  }
  std::filesystem::remove(blocker);
}
