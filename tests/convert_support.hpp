#pragma once
// Helpers shared by the convert_*_test.cpp files.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <memory>
#include <openvino/openvino.hpp>
#include <string>

#include "test_paths.hpp"
#include "test_support.hpp"
#include "torchvino/runtime.hpp"

namespace convert_test {

using test_support::Runner;
using test_support::TempDir;

// max |got − expected| relative to max |expected|: the parity figure the tests bound by 1e-4.
inline double relative_error(const torch::Tensor& got, const torch::Tensor& expected) {
  EXPECT_EQ(got.sizes(), expected.sizes());
  if (got.sizes() != expected.sizes()) return 1e9;
  return (got - expected).abs().max().item<double>() / expected.abs().max().item<double>();
}

// Fresh BatchNorm layers are the identity; random statistics make folding mistakes visible.
inline void randomise_batchnorm(torch::nn::Module& root) {
  torch::NoGradGuard no_grad;
  for (const auto& m : root.modules()) {
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) {
      const int64_t c = bn->options.num_features();
      bn->weight.copy_(torch::rand({c}) + 0.5);
      bn->bias.copy_(torch::randn({c}) * 0.2);
      bn->running_mean.copy_(torch::randn({c}) * 0.5);
      bn->running_var.copy_(torch::rand({c}) * 2 + 0.5);
    }
  }
}

inline std::map<std::string, int> op_counts(const ov::Model& model) {
  std::map<std::string, int> counts;
  for (const auto& op : model.get_ordered_ops()) ++counts[op->get_type_name()];
  return counts;
}

inline const std::filesystem::path& fixtures() {
  static const std::filesystem::path dir =
      std::filesystem::path(TORCHVINO_SOURCE_DIR) / "tests" / "fixtures" / "convert";
  return dir;
}

}  // namespace convert_test
