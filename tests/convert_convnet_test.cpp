// The zoo's ConvNet converted as a whole.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "convert_support.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/models.hpp"

using convert_test::op_counts;
using convert_test::relative_error;
using convert_test::Runner;

namespace {
torchvino::Model random_convnet(int64_t in_channels = 1, int64_t image_size = 28) {
  torch::manual_seed(7);
  auto model = torchvino::create_model({"convnet", in_channels, 10, image_size});
  convert_test::randomise_batchnorm(model.module());
  model.module().eval();
  return model;
}
}  // namespace

TEST(ConvNetConversion, MatchesLibTorchForBatchOneAndSevenOnOneCompiledModel) {
  auto model = random_convnet();
  Runner runner(torchvino::to_openvino(model));
  torch::NoGradGuard no_grad;
  for (int64_t batch : {1, 7}) {
    const auto x = torch::randn({batch, 1, 28, 28});
    const double err = relative_error(runner.run(x), model.forward(x));
    std::cout << "  [parity] ConvNet batch " << batch << ": " << err << "\n";
    EXPECT_LE(err, 1e-4) << "batch " << batch;
  }
}

TEST(ConvNetConversion, GraphHasFoldedBatchNormAndModulePathNames) {
  auto ov_model = torchvino::to_openvino(random_convnet());
  auto ops = op_counts(*ov_model);
  EXPECT_EQ(ops["Convolution"], 2);
  EXPECT_EQ(ops["MatMul"], 1);
  EXPECT_EQ(ops["Add"], 3);  // two folded conv biases, the fc bias
  EXPECT_EQ(ops["Relu"], 2);
  EXPECT_EQ(ops["MaxPool"], 2);
  EXPECT_EQ(ops["Multiply"], 0);
  EXPECT_EQ(ops["BatchNormInference"], 0);

  std::map<std::string, std::string> type_of;
  for (const auto& op : ov_model->get_ordered_ops()) type_of[op->get_friendly_name()] = op->get_type_name();
  EXPECT_EQ(type_of["layer1.0"], "Convolution");
  EXPECT_EQ(type_of["layer2.0"], "Convolution");
  EXPECT_EQ(type_of["layer1.2"], "Relu");
  EXPECT_EQ(type_of["layer2.3"], "MaxPool");
  EXPECT_EQ(type_of["fc"], "MatMul");
  EXPECT_EQ(type_of["layer1.0.weight"], "Constant");
  EXPECT_EQ(type_of.count("layer1.1"), 0u) << "the BatchNorm left no op of its own";
}

TEST(ConvNetConversion, InputAndOutputNamesAndShapes) {
  auto ov_model = torchvino::to_openvino(random_convnet(3, 32));
  ASSERT_EQ(ov_model->inputs().size(), 1u);
  ASSERT_EQ(ov_model->outputs().size(), 1u);
  EXPECT_EQ(ov_model->input().get_any_name(), "input");
  EXPECT_EQ(ov_model->output().get_any_name(), "logits");
  EXPECT_EQ(ov_model->input().get_element_type(), ov::element::f32);
  EXPECT_EQ(ov_model->input().get_partial_shape(), (ov::PartialShape{-1, 3, 32, 32}));
  EXPECT_EQ(ov_model->output().get_partial_shape(), (ov::PartialShape{-1, 10}));
}

TEST(ConvNetConversion, ConvertsWeightsNotTheTrainingMode) {
  // A model left in training mode converts with its running statistics, as inference does.
  auto model = random_convnet();
  auto ov_model = torchvino::to_openvino(model);
  model.module().train();
  auto ov_from_train = torchvino::to_openvino(model);
  model.module().eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({2, 1, 28, 28});
  EXPECT_LE(relative_error(Runner(ov_from_train).run(x), model.forward(x)), 1e-4);
}
