#pragma once
// Helpers shared by the convert_*_test.cpp files.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <memory>
#include <openvino/openvino.hpp>
#include <random>
#include <string>

#include "test_paths.hpp"
#include "torchvino/runtime.hpp"

namespace convert_test {

// One compiled model run on several batch sizes. f32 compute: this CPU has avx512_bf16 and
// the plugin would otherwise run FP32 models in bf16 (errors ~1e-2).
class Runner {
 public:
  explicit Runner(const std::shared_ptr<ov::Model>& model)
      : compiled_(torchvino::openvino_core().compile_model(
            model, "CPU", ov::hint::inference_precision(ov::element::f32))),
        request_(compiled_.create_infer_request()) {}

  torch::Tensor run(const torch::Tensor& input) {
    auto x = input.to(torch::kFloat).contiguous();
    request_.set_input_tensor(
        ov::Tensor(ov::element::f32, ov::Shape(x.sizes().begin(), x.sizes().end()), x.data_ptr<float>()));
    request_.infer();
    auto out = request_.get_output_tensor();
    const ov::Shape out_shape = out.get_shape();
    std::vector<int64_t> shape(out_shape.begin(), out_shape.end());
    return torch::from_blob(out.data<float>(), shape, torch::kFloat).clone();
  }

 private:
  ov::CompiledModel compiled_;
  ov::InferRequest request_;
};

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

// A fresh folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("torchvino_convert_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace convert_test
