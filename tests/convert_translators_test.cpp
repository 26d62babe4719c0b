// Each translator against LibTorch on random input, one layer (or one pair) at a time.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "convert/module_to_openvino.hpp"
#include "convert_support.hpp"
#include "torchvino/error.hpp"

namespace nn = torch::nn;
using convert_test::op_counts;
using convert_test::relative_error;
using convert_test::Runner;

namespace {

constexpr double kTolerance = 1e-4;

// Converts `module` for inputs shaped like `x` (batch dynamic), runs both, returns the error.
template <typename Holder>
double parity(Holder& module, const torch::Tensor& x, std::shared_ptr<ov::Model>* converted = nullptr) {
  module->eval();
  torch::NoGradGuard no_grad;
  const auto expected = module->forward(x);
  ov::PartialShape shape(std::vector<ov::Dimension>(x.sizes().begin(), x.sizes().end()));
  shape[0] = ov::Dimension::dynamic();
  auto model = torchvino::convert::module_to_openvino(*module.ptr(), shape);
  if (converted) *converted = model;
  const double err = relative_error(Runner(model).run(x), expected);
  std::cout << "  [parity] " << ::testing::UnitTest::GetInstance()->current_test_info()->name()
            << ": " << err << "\n";
  return err;
}

}  // namespace

class Translators : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(42); }
};

TEST_F(Translators, Conv2dWithBiasStride1Padding2) {
  nn::Conv2d conv(nn::Conv2dOptions(3, 8, 5).padding(2));
  EXPECT_LE(parity(conv, torch::randn({2, 3, 16, 16})), kTolerance);
}

TEST_F(Translators, Conv2dWithoutBiasStride2Padding1) {
  nn::Conv2d conv(nn::Conv2dOptions(4, 6, 3).stride(2).padding(1).bias(false));
  std::shared_ptr<ov::Model> model;
  EXPECT_LE(parity(conv, torch::randn({3, 4, 15, 15}), &model), kTolerance);
  EXPECT_EQ(op_counts(*model)["Add"], 0);  // no zero bias emitted
}

TEST_F(Translators, Conv2dDilatedRectangular) {
  nn::Conv2d conv(nn::Conv2dOptions(2, 4, {3, 5}).stride({1, 2}).padding({2, 1}).dilation(2));
  EXPECT_LE(parity(conv, torch::randn({1, 2, 13, 17})), kTolerance);
}

TEST_F(Translators, Conv2dGroupedAndDepthwise) {
  nn::Conv2d grouped(nn::Conv2dOptions(6, 9, 3).padding(1).groups(3));
  EXPECT_LE(parity(grouped, torch::randn({2, 6, 10, 10})), kTolerance);
  nn::Conv2d depthwise(nn::Conv2dOptions(5, 5, 3).padding(1).groups(5));
  EXPECT_LE(parity(depthwise, torch::randn({2, 5, 9, 9})), kTolerance);
}

TEST_F(Translators, Conv2dPaddingSameWithEvenKernel) {
  nn::Conv2d conv(nn::Conv2dOptions(3, 4, 4).padding(torch::kSame));
  EXPECT_LE(parity(conv, torch::randn({2, 3, 11, 11})), kTolerance);
}

TEST_F(Translators, Conv2dReflectPaddingIsRefusedByName) {
  nn::Conv2d conv(nn::Conv2dOptions(3, 4, 3).padding(1).padding_mode(torch::kReflect));
  try {
    torchvino::convert::module_to_openvino(*conv, ov::PartialShape{-1, 3, 8, 8});
    FAIL() << "expected an Error";
  } catch (const torchvino::Error& e) {
    EXPECT_NE(std::string(e.what()).find("padding_mode"), std::string::npos) << e.what();
  }
}

TEST_F(Translators, LoneBatchNormInEvalModeUsesRunningStatistics) {
  nn::BatchNorm2d bn(6);
  convert_test::randomise_batchnorm(*bn);
  EXPECT_LE(parity(bn, torch::randn({4, 6, 5, 5}) * 2 + 1), kTolerance);
}

TEST_F(Translators, ConvFollowedByBatchNormIsFoldedIntoOneConvolution) {
  nn::Sequential seq(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding(1)), nn::BatchNorm2d(8));
  convert_test::randomise_batchnorm(*seq);
  std::shared_ptr<ov::Model> model;
  EXPECT_LE(parity(seq, torch::randn({2, 3, 12, 12}), &model), kTolerance);
  auto ops = op_counts(*model);
  EXPECT_EQ(ops["Convolution"], 1);
  EXPECT_EQ(ops["Multiply"], 0);
  EXPECT_EQ(ops["BatchNormInference"], 0);
  EXPECT_EQ(ops["Add"], 1);  // the folded bias
  bool named = false;
  for (const auto& op : model->get_ordered_ops())
    named |= op->get_type_name() == std::string("Convolution") && op->get_friendly_name() == "0";
  EXPECT_TRUE(named) << "the folded convolution keeps the conv's module path";
}

TEST_F(Translators, BiaslessConvWithBatchNormFolds) {
  nn::Sequential seq(nn::Conv2d(nn::Conv2dOptions(4, 4, 1).bias(false)), nn::BatchNorm2d(4),
                     nn::ReLU());
  convert_test::randomise_batchnorm(*seq);
  std::shared_ptr<ov::Model> model;
  EXPECT_LE(parity(seq, torch::randn({3, 4, 6, 6}), &model), kTolerance);
  EXPECT_EQ(op_counts(*model)["Multiply"], 0);
}

TEST_F(Translators, ReLU) {
  nn::ReLU relu;
  EXPECT_LE(parity(relu, torch::randn({2, 3, 4, 4})), kTolerance);
}

TEST_F(Translators, MaxPool) {
  nn::MaxPool2d plain(nn::MaxPool2dOptions(2).stride(2));
  EXPECT_LE(parity(plain, torch::randn({2, 3, 8, 8})), kTolerance);
  nn::MaxPool2d padded(nn::MaxPool2dOptions(3).stride(2).padding(1));  // ResNet's stem pool
  EXPECT_LE(parity(padded, torch::randn({2, 3, 9, 9})), kTolerance);
  nn::MaxPool2d ceil(nn::MaxPool2dOptions(2).stride(2).ceil_mode(true));
  EXPECT_LE(parity(ceil, torch::randn({1, 2, 7, 7})), kTolerance);
}

TEST_F(Translators, AvgPoolWithAndWithoutPaddingInTheCount) {
  nn::AvgPool2d include(nn::AvgPool2dOptions(3).stride(2).padding(1));
  EXPECT_LE(parity(include, torch::randn({2, 3, 9, 9})), kTolerance);
  nn::AvgPool2d exclude(nn::AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(false));
  EXPECT_LE(parity(exclude, torch::randn({2, 3, 9, 9})), kTolerance);
}

TEST_F(Translators, AdaptiveAvgPool) {
  nn::AdaptiveAvgPool2d global(nn::AdaptiveAvgPool2dOptions({1, 1}));
  std::shared_ptr<ov::Model> model;
  EXPECT_LE(parity(global, torch::randn({3, 8, 7, 7}), &model), kTolerance);
  EXPECT_EQ(op_counts(*model)["ReduceMean"], 1);
  nn::AdaptiveAvgPool2d other(nn::AdaptiveAvgPool2dOptions({2, 3}));
  EXPECT_LE(parity(other, torch::randn({2, 4, 7, 8})), kTolerance);
}

TEST_F(Translators, Linear) {
  nn::Linear linear(40, 7);
  EXPECT_LE(parity(linear, torch::randn({5, 40})), kTolerance);
  nn::Linear no_bias(nn::LinearOptions(12, 3).bias(false));
  EXPECT_LE(parity(no_bias, torch::randn({2, 12})), kTolerance);
}

TEST_F(Translators, FlattenThenLinearWithDynamicBatch) {
  nn::Sequential seq(nn::Flatten(), nn::Linear(3 * 4 * 5, 6));
  std::shared_ptr<ov::Model> model;
  EXPECT_LE(parity(seq, torch::randn({2, 3, 4, 5}), &model), kTolerance);
  torch::NoGradGuard no_grad;
  const auto x7 = torch::randn({7, 3, 4, 5});
  EXPECT_LE(relative_error(Runner(model).run(x7), seq->forward(x7)), kTolerance);
}

TEST_F(Translators, FlattenInnerDims) {
  nn::Flatten flatten(nn::FlattenOptions().start_dim(2).end_dim(3));
  EXPECT_LE(parity(flatten, torch::randn({2, 3, 4, 5})), kTolerance);
}

TEST_F(Translators, DropoutAndIdentityVanish) {
  nn::Sequential seq(nn::Linear(8, 8), nn::Dropout(0.5), nn::Identity(), nn::ReLU());
  std::shared_ptr<ov::Model> model;
  EXPECT_LE(parity(seq, torch::randn({4, 8}), &model), kTolerance);
  EXPECT_EQ(model->get_ordered_ops().size(), 7u);  // input, 2 consts, MatMul, Add, Relu, Result
}

TEST_F(Translators, UnknownLayerTypeIsAnErrorNamingTypeAndPath) {
  nn::Sequential seq(nn::Linear(4, 4), nn::GELU());
  try {
    torchvino::convert::module_to_openvino(*seq, ov::PartialShape{-1, 4});
    FAIL() << "expected an Error";
  } catch (const torchvino::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("GELUImpl"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'1'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Conv2dImpl"), std::string::npos) << "lists supported types: " << msg;
  }
}
