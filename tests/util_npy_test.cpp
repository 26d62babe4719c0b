// .npy output (read by NumPy in the NNCF benchmark): header layout and data bytes.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "test_support.hpp"
#include "torchvino/error.hpp"
#include "util/npy.hpp"

TEST(Npy, WritesVersion1HeaderPaddedTo64AndRawFloats) {
  const test_support::TempDir dir("npy");
  const auto file = dir / "x.npy";
  // Non-contiguous double input: written as C-order float32.
  const auto t = torch::arange(6, torch::kDouble).reshape({3, 2}).t();
  torchvino::save_npy(t, file);
  const std::string bytes = test_support::read_bytes(file);
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
}

TEST(Npy, UnwritableTargetIsAnErrorNamingIt) {
  // The "folder" is a regular file, so nothing can be created below it (not even as root).
  const test_support::TempDir dir("npy");
  const auto blocker = dir / "a-file";
  std::ofstream(blocker) << "not a folder";
  const auto target = blocker / "x.npy";
  try {
    torchvino::save_npy(torch::zeros({2}), target);
    ADD_FAILURE() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(blocker.string()), std::string::npos) << e.what();
  }
}
