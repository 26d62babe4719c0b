// LibTorch and OpenVINO must load and compute in one process, built with one libstdc++ ABI.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <openvino/op/ops.hpp>
#include <openvino/openvino.hpp>

#include "torchvino/runtime.hpp"

TEST(Libraries, AgreeOnCxx11Abi) {
  // Both wheels export std::__cxx11::basic_string symbols only under the new ABI; our own
  // translation unit must have been compiled with the same setting.
  EXPECT_EQ(_GLIBCXX_USE_CXX11_ABI, 1);
  // A std::string crossing each library boundary round-trips unchanged.
  const std::string name = "a-name-long-enough-to-skip-small-string-optimisation";
  auto param = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::Shape{1});
  param->set_friendly_name(name);
  EXPECT_EQ(param->get_friendly_name(), name);
  torch::nn::Linear linear(2, 3);
  EXPECT_EQ(linear->name(), "torch::nn::LinearImpl");
}

TEST(Libraries, TorchAndOpenVINOComputeTheSameMatMulInOneProcess) {
  torch::manual_seed(0);
  auto a = torch::randn({4, 8});
  auto b = torch::randn({8, 3});
  auto expected = torch::matmul(a, b);

  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::Shape{4, 8});
  auto w = std::make_shared<ov::op::v0::Constant>(ov::element::f32, ov::Shape{8, 3},
                                                  b.contiguous().data_ptr<float>());
  auto mm = std::make_shared<ov::op::v0::MatMul>(x, w);
  auto model = std::make_shared<ov::Model>(ov::OutputVector{mm}, ov::ParameterVector{x});
  // This CPU has avx512_bf16: without the hint the plugin computes in bf16 (error ~5e-3).
  auto request = torchvino::openvino_core().compile_model(model, "CPU", ov::hint::inference_precision(ov::element::f32))
                     .create_infer_request();
  request.set_input_tensor(ov::Tensor(ov::element::f32, {4, 8}, a.data_ptr<float>()));
  request.infer();
  auto out = request.get_output_tensor();
  auto got = torch::from_blob(out.data<float>(), {4, 3}).clone();
  EXPECT_LT((got - expected).abs().max().item<float>(), 1e-4f);
}
