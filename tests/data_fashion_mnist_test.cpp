// The real Fashion-MNIST files from the Debian package dataset-fashion-mnist.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "torchvino/data.hpp"

namespace fs = std::filesystem;
using namespace torchvino;

namespace {
const fs::path kDir = "/usr/share/datasets/fashion-mnist";
}

TEST(DataFashionMnist, TestSplitHasBalancedClasses) {
  if (!fs::is_directory(kDir))
    GTEST_SKIP() << kDir << " missing (apt-get install dataset-fashion-mnist)";
  const Dataset d = load_dataset({.name = "fashion-mnist", .data_dir = {}}, Split::Test);
  ASSERT_EQ(d.size(), 10000);
  EXPECT_EQ(d.images.sizes(), (std::vector<int64_t>{10000, 1, 28, 28}));
  EXPECT_EQ(d.labels.scalar_type(), torch::kLong);
  const auto counts = torch::bincount(d.labels);
  ASSERT_EQ(counts.size(0), 10);
  for (int64_t c = 0; c < 10; ++c) EXPECT_EQ(counts[c].item<int64_t>(), 1000) << "class " << c;
}

TEST(DataFashionMnist, TrainSplitIsCompleteAndNormalised) {
  if (!fs::is_directory(kDir))
    GTEST_SKIP() << kDir << " missing (apt-get install dataset-fashion-mnist)";
  const Dataset d = load_dataset({.name = "fashion-mnist", .data_dir = {}}, Split::Train);
  ASSERT_EQ(d.size(), 60000);
  EXPECT_EQ(d.images.sizes(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_NEAR(d.images.mean().item<double>(), 0.0, 0.01);
  EXPECT_NEAR(d.images.std().item<double>(), 1.0, 0.01);
  EXPECT_EQ(d.labels.min().item<int64_t>(), 0);
  EXPECT_EQ(d.labels.max().item<int64_t>(), 9);
}
