// Where quantizers go: decided from the graph alone.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <openvino/op/ops.hpp>

#include "quantize/graph_analysis.hpp"
#include "quantize/overflow_fix.hpp"

namespace {

using namespace torchvino::quant;
using ov::op::v0::Constant;
using ov::op::v0::Parameter;

std::shared_ptr<Constant> random_constant(const ov::Shape& shape, int seed) {
  torch::manual_seed(seed);
  std::vector<int64_t> dims(shape.begin(), shape.end());
  auto t = torch::randn(dims).contiguous();
  return std::make_shared<Constant>(ov::element::f32, shape, t.data_ptr<float>());
}

std::shared_ptr<ov::Node> conv(const ov::Output<ov::Node>& x, size_t in, size_t out, int seed,
                               const std::string& name) {
  auto c = std::make_shared<ov::op::v1::Convolution>(x, random_constant({out, in, 3, 3}, seed), ov::Strides{1, 1},
                                                     ov::CoordinateDiff{1, 1}, ov::CoordinateDiff{1, 1},
                                                     ov::Strides{1, 1});
  c->set_friendly_name(name);
  return c;
}

std::shared_ptr<ov::Node> add_bias(const ov::Output<ov::Node>& x, size_t channels, int seed) {
  return std::make_shared<ov::op::v1::Add>(x, random_constant({1, channels, 1, 1}, seed));
}

// conv → bias → relu → maxpool → conv → relu → reshape → matmul (+bias): the usual small CNN.
struct Chain {
  std::shared_ptr<ov::Model> model;
  std::shared_ptr<ov::Node> input, conv1, bias1, relu1, pool, conv2, relu2, reshape, matmul, bias3;
};

Chain make_chain() {
  Chain c;
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 8, 8});
  c.input = input;
  c.conv1 = conv(input, 3, 4, 1, "conv1");
  c.bias1 = add_bias(c.conv1, 4, 2);
  c.relu1 = std::make_shared<ov::op::v0::Relu>(c.bias1);
  c.pool = std::make_shared<ov::op::v1::MaxPool>(c.relu1, ov::Strides{2, 2}, ov::Shape{0, 0}, ov::Shape{0, 0},
                                                 ov::Shape{2, 2});
  c.conv2 = conv(c.pool, 4, 6, 3, "conv2");
  c.relu2 = std::make_shared<ov::op::v0::Relu>(c.conv2);
  c.reshape = std::make_shared<ov::op::v1::Reshape>(
      c.relu2, Constant::create(ov::element::i64, {2}, std::vector<int64_t>{0, -1}), true);
  c.matmul = std::make_shared<ov::op::v0::MatMul>(c.reshape, random_constant({10, 96}, 4), false, true);
  c.matmul->set_friendly_name("fc");
  c.bias3 = std::make_shared<ov::op::v1::Add>(c.matmul, random_constant({10}, 5));
  c.model = std::make_shared<ov::Model>(ov::OutputVector{c.bias3}, ov::ParameterVector{input});
  return c;
}

const ActivationQuantizer* quantizer_on(const QuantizationPlan& plan, const std::shared_ptr<ov::Node>& node) {
  for (const auto& q : plan.activations)
    if (q.tensor.get_node() == node.get()) return &q;
  return nullptr;
}

bool feeds(const ActivationQuantizer& q, const std::shared_ptr<ov::Node>& node, size_t input) {
  for (const auto& c : q.consumers)
    if (c.get_node() == node.get() && c.get_index() == input) return true;
  return false;
}

TEST(QuantizeAnalysis, ChainGetsQuantizersOnInputAndAfterEachReluOnly) {
  auto c = make_chain();
  auto plan = analyse(c.model, {});

  ASSERT_EQ(plan.activations.size(), 3u);
  const auto* on_input = quantizer_on(plan, c.input);
  const auto* on_relu1 = quantizer_on(plan, c.relu1);
  const auto* on_relu2 = quantizer_on(plan, c.relu2);
  ASSERT_TRUE(on_input && on_relu1 && on_relu2);

  EXPECT_FALSE(on_input->after_relu);
  ASSERT_EQ(on_input->consumers.size(), 1u);
  EXPECT_TRUE(feeds(*on_input, c.conv1, 0));

  // Moved up through MaxPool: one quantizer right after the ReLU, read by the pool.
  EXPECT_TRUE(on_relu1->after_relu);
  ASSERT_EQ(on_relu1->consumers.size(), 1u);
  EXPECT_TRUE(feeds(*on_relu1, c.pool, 0));
  EXPECT_EQ(on_relu1->serves, std::vector<std::string>{"conv2"});

  // Moved up through Reshape.
  EXPECT_TRUE(on_relu2->after_relu);
  EXPECT_TRUE(feeds(*on_relu2, c.reshape, 0));
  EXPECT_EQ(on_relu2->serves, std::vector<std::string>{"fc"});

  // Nothing between a conv and its bias Add or activation.
  for (const auto& node : {c.conv1, c.bias1, c.conv2, c.pool, c.matmul, c.reshape})
    EXPECT_EQ(quantizer_on(plan, node), nullptr) << node->get_friendly_name();
  EXPECT_EQ(plan.groups, 3u);

  ASSERT_EQ(plan.weights.size(), 3u);
  EXPECT_EQ(plan.weights[0].op, c.conv1);
  EXPECT_EQ(plan.weights[0].shape, (ov::Shape{4, 3, 3, 3}));
  EXPECT_EQ(plan.weights[0].channel_axes, std::vector<size_t>{0});
  EXPECT_EQ(plan.weights[1].op, c.conv2);
  EXPECT_EQ(plan.weights[2].op, c.matmul);
  EXPECT_EQ(plan.weights[2].input_index, 1u);
  EXPECT_EQ(plan.weights[2].channel_axes, std::vector<size_t>{0});  // transpose_b: [out, in]
  const auto stored = ov::as_type_ptr<Constant>(c.conv1->get_input_node_shared_ptr(1))->cast_vector<float>();
  EXPECT_EQ(plan.weights[0].values, stored);

  ASSERT_EQ(plan.layers.size(), 3u);
  for (const auto& layer : plan.layers) EXPECT_TRUE(layer.quantized) << layer.reason;
  EXPECT_EQ(plan.layers[2].activation_channel_axis, 1);  // [N, 96]
  EXPECT_EQ(plan.layers[2].output_channel_axis, 1);
}

TEST(QuantizeAnalysis, BranchFeedingTwoConvsSharesOneQuantizer) {
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 3, 8, 8});
  auto relu = std::make_shared<ov::op::v0::Relu>(input);
  auto a = conv(relu, 3, 4, 1, "a");
  auto b = conv(relu, 3, 4, 2, "b");
  auto model = std::make_shared<ov::Model>(ov::OutputVector{a, b}, ov::ParameterVector{input});
  auto plan = analyse(model, {});
  ASSERT_EQ(plan.activations.size(), 1u);
  const auto& q = plan.activations[0];
  EXPECT_EQ(q.tensor.get_node(), relu.get());
  EXPECT_EQ(q.consumers.size(), 2u);
  EXPECT_TRUE(feeds(q, a, 0) && feeds(q, b, 0));
  auto served = q.serves;
  std::sort(served.begin(), served.end());
  EXPECT_EQ(served, (std::vector<std::string>{"a", "b"}));
}

TEST(QuantizeAnalysis, ConcatInputsShareOneRangeGroup) {
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 3, 8, 8});
  auto left = std::make_shared<ov::op::v0::Relu>(conv(input, 3, 4, 1, "left"));
  auto right = std::make_shared<ov::op::v0::Relu>(conv(input, 3, 2, 2, "right"));
  auto concat = std::make_shared<ov::op::v0::Concat>(ov::OutputVector{left, right}, 1);
  auto head = conv(concat, 6, 5, 3, "head");
  auto model = std::make_shared<ov::Model>(ov::OutputVector{head}, ov::ParameterVector{input});
  auto plan = analyse(model, {});

  ASSERT_EQ(plan.activations.size(), 3u);
  const auto* on_input = quantizer_on(plan, input);
  const auto* on_left = quantizer_on(plan, left);
  const auto* on_right = quantizer_on(plan, right);
  ASSERT_TRUE(on_input && on_left && on_right);
  EXPECT_EQ(on_input->consumers.size(), 2u);  // one shared quantizer for both convs
  EXPECT_EQ(on_left->group, on_right->group);
  EXPECT_NE(on_left->group, on_input->group);
  EXPECT_EQ(plan.groups, 2u);
  EXPECT_TRUE(feeds(*on_left, concat, 0));
  EXPECT_TRUE(feeds(*on_right, concat, 1));
}

TEST(QuantizeAnalysis, QuantizerStaysBelowAnAgnosticOpOthersAlsoRead) {
  // The pool's output also reaches the model output unquantized; quantizing above the pool
  // would change that output too.
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 3, 8, 8});
  auto relu = std::make_shared<ov::op::v0::Relu>(input);
  auto pool = std::make_shared<ov::op::v1::MaxPool>(relu, ov::Strides{2, 2}, ov::Shape{0, 0}, ov::Shape{0, 0},
                                                    ov::Shape{2, 2});
  auto c = conv(pool, 3, 4, 1, "c");
  auto model = std::make_shared<ov::Model>(ov::OutputVector{c, pool}, ov::ParameterVector{input});
  auto plan = analyse(model, {});
  ASSERT_EQ(plan.activations.size(), 1u);
  EXPECT_EQ(plan.activations[0].tensor.get_node(), pool.get());
  EXPECT_FALSE(plan.activations[0].after_relu);  // statistics decide the sign there
}

TEST(QuantizeAnalysis, ReadsFp16WeightsThroughConvert) {
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 2, 4, 4});
  std::vector<float> w(3 * 2 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.25f * static_cast<float>(i) - 4.0f;  // exact in f16
  auto stored = std::make_shared<Constant>(ov::element::f16, ov::Shape{3, 2, 3, 3}, w);
  auto widened = std::make_shared<ov::op::v0::Convert>(stored, ov::element::f32);
  auto c = std::make_shared<ov::op::v1::Convolution>(input, widened, ov::Strides{1, 1}, ov::CoordinateDiff{0, 0},
                                                     ov::CoordinateDiff{0, 0}, ov::Strides{1, 1});
  auto model = std::make_shared<ov::Model>(ov::OutputVector{c}, ov::ParameterVector{input});
  auto plan = analyse(model, {});
  ASSERT_EQ(plan.weights.size(), 1u);
  EXPECT_EQ(plan.weights[0].values, w);
}

TEST(QuantizeAnalysis, GroupConvolutionWeightsArePerGroupAndChannel) {
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 4, 6, 6});
  auto gc = std::make_shared<ov::op::v1::GroupConvolution>(input, random_constant({4, 1, 1, 3, 3}, 7),
                                                           ov::Strides{1, 1}, ov::CoordinateDiff{1, 1},
                                                           ov::CoordinateDiff{1, 1}, ov::Strides{1, 1});
  auto model = std::make_shared<ov::Model>(ov::OutputVector{gc}, ov::ParameterVector{input});
  auto plan = analyse(model, {});
  ASSERT_EQ(plan.weights.size(), 1u);
  EXPECT_EQ(plan.weights[0].channel_axes, (std::vector<size_t>{0, 1}));
}

TEST(QuantizeAnalysis, ResidualAddInputsUnlessSwitchedOff) {
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 4, 8, 8});
  auto relu = std::make_shared<ov::op::v0::Relu>(input);
  auto branch = std::make_shared<ov::op::v0::Relu>(add_bias(conv(relu, 4, 4, 1, "c"), 4, 2));
  auto sum = std::make_shared<ov::op::v1::Add>(branch, relu);
  auto model = std::make_shared<ov::Model>(ov::OutputVector{sum}, ov::ParameterVector{input});

  auto plain = analyse(model, AnalysisOptions{false, false});
  ASSERT_EQ(plain.activations.size(), 1u);  // the conv input only
  EXPECT_EQ(plain.activations[0].consumers.size(), 1u);

  auto residual = analyse(model, {});
  ASSERT_EQ(residual.activations.size(), 2u);
  const auto* on_relu = quantizer_on(residual, relu);
  const auto* on_branch = quantizer_on(residual, branch);
  ASSERT_TRUE(on_relu && on_branch);
  EXPECT_EQ(on_relu->consumers.size(), 2u);  // conv and add read one quantized tensor
  EXPECT_TRUE(feeds(*on_branch, sum, 0));
  EXPECT_NE(on_relu->group, on_branch->group);
}

TEST(QuantizeAnalysis, AveragePoolingInputUnlessSwitchedOff) {
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 4, 8, 8});
  auto relu = std::make_shared<ov::op::v0::Relu>(add_bias(conv(input, 4, 4, 1, "c"), 4, 2));
  auto mean = std::make_shared<ov::op::v1::ReduceMean>(relu, Constant::create(ov::element::i64, {2}, {2, 3}), true);
  auto avg = std::make_shared<ov::op::v1::AvgPool>(relu, ov::Strides{2, 2}, ov::Shape{0, 0}, ov::Shape{0, 0},
                                                   ov::Shape{2, 2}, true);
  auto model = std::make_shared<ov::Model>(ov::OutputVector{mean, avg}, ov::ParameterVector{input});
  auto plan = analyse(model, {});
  ASSERT_EQ(plan.activations.size(), 2u);  // the conv input, and the relu both poolings read
  const auto* on_relu = quantizer_on(plan, relu);
  ASSERT_TRUE(on_relu);
  EXPECT_TRUE(on_relu->after_relu);
  EXPECT_TRUE(feeds(*on_relu, mean, 0));
  EXPECT_TRUE(feeds(*on_relu, avg, 0));
  EXPECT_EQ(analyse(model, AnalysisOptions{true, false}).activations.size(), 1u);
}

TEST(QuantizeAnalysis, LeavesQuantizedOrNonConstantWeightOpsAlone) {
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 3, 4, 4});
  auto weights_in = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{2, 3, 3, 3});
  auto c = std::make_shared<ov::op::v1::Convolution>(input, weights_in, ov::Strides{1, 1}, ov::CoordinateDiff{0, 0},
                                                     ov::CoordinateDiff{0, 0}, ov::Strides{1, 1});
  auto lo = Constant::create(ov::element::f32, {}, {-1.0f});
  auto hi = Constant::create(ov::element::f32, {}, {1.0f});
  auto fq = std::make_shared<ov::op::v0::FakeQuantize>(input, lo, hi, lo, hi, 256);
  auto d = conv(fq, 3, 2, 1, "d");
  auto model = std::make_shared<ov::Model>(ov::OutputVector{c, d}, ov::ParameterVector{input, weights_in});
  auto plan = analyse(model, {});
  ASSERT_EQ(plan.layers.size(), 2u);
  EXPECT_FALSE(plan.layers[0].quantized);
  EXPECT_FALSE(plan.layers[1].quantized);
  EXPECT_EQ(plan.layers[0].op == c ? plan.layers[0].reason : plan.layers[1].reason, "weights are not constant");
  EXPECT_EQ(plan.layers[0].op == d ? plan.layers[0].reason : plan.layers[1].reason, "already quantized");
  EXPECT_TRUE(plan.weights.empty());
}

std::shared_ptr<ov::Node> max_pool(const ov::Output<ov::Node>& x) {
  return std::make_shared<ov::op::v1::MaxPool>(x, ov::Strides{2, 2}, ov::Shape{0, 0}, ov::Shape{0, 0},
                                               ov::Shape{2, 2});
}

TEST(QuantizeAnalysis, ConcatReadByTwoQuantizedOpsIsQuantizedAtItsInputsWithOneRange) {
  // Inception-style: one Concat feeds two convolutions. One quantizer per Concat input, sharing
  // one range, and none on the Concat output.
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 3, 8, 8});
  auto left = std::make_shared<ov::op::v0::Relu>(conv(input, 3, 4, 1, "left"));
  auto right = std::make_shared<ov::op::v0::Relu>(conv(input, 3, 2, 2, "right"));
  auto concat = std::make_shared<ov::op::v0::Concat>(ov::OutputVector{left, right}, 1);
  auto a = conv(concat, 6, 5, 3, "a");
  auto b = conv(concat, 6, 5, 4, "b");
  auto model = std::make_shared<ov::Model>(ov::OutputVector{a, b}, ov::ParameterVector{input});
  auto plan = analyse(model, {});
  ASSERT_EQ(plan.activations.size(), 3u);
  EXPECT_EQ(quantizer_on(plan, concat), nullptr);
  const auto* on_left = quantizer_on(plan, left);
  const auto* on_right = quantizer_on(plan, right);
  ASSERT_TRUE(on_left && on_right);
  EXPECT_EQ(on_left->group, on_right->group);
  EXPECT_TRUE(feeds(*on_left, concat, 0));
  EXPECT_TRUE(feeds(*on_right, concat, 1));
  auto served = on_left->serves;
  std::sort(served.begin(), served.end());
  EXPECT_EQ(served, (std::vector<std::string>{"a", "b"}));
}

TEST(QuantizeAnalysis, SplitIsPassThrough) {
  // ShuffleNet's channel split: both halves feed quantized ops, so one quantizer above the Split.
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 4, 8, 8});
  auto relu = std::make_shared<ov::op::v0::Relu>(conv(input, 4, 4, 1, "stem"));
  auto split = std::make_shared<ov::op::v1::Split>(relu, Constant::create(ov::element::i64, {}, {1}), 2);
  auto a = conv(split->output(0), 2, 2, 2, "a");
  auto b = conv(split->output(1), 2, 2, 3, "b");
  auto model = std::make_shared<ov::Model>(ov::OutputVector{a, b}, ov::ParameterVector{input});
  auto plan = analyse(model, {});
  ASSERT_EQ(plan.activations.size(), 2u);  // the input, and the relu
  const auto* on_relu = quantizer_on(plan, relu);
  ASSERT_TRUE(on_relu);
  EXPECT_TRUE(on_relu->after_relu);
  ASSERT_EQ(on_relu->consumers.size(), 1u);
  EXPECT_TRUE(feeds(*on_relu, split, 0));
  EXPECT_EQ(quantizer_on(plan, split), nullptr);
}

TEST(QuantizeAnalysis, SplitWithAnUnquantizedReaderKeepsQuantizersBelow) {
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 4, 8, 8});
  auto relu = std::make_shared<ov::op::v0::Relu>(conv(input, 4, 4, 1, "stem"));
  auto split = std::make_shared<ov::op::v1::Split>(relu, Constant::create(ov::element::i64, {}, {1}), 2);
  auto a = conv(split->output(0), 2, 2, 2, "a");
  auto model = std::make_shared<ov::Model>(ov::OutputVector{a, split->output(1)}, ov::ParameterVector{input});
  auto plan = analyse(model, {});
  ASSERT_EQ(plan.activations.size(), 2u);
  const auto* on_split = quantizer_on(plan, split);
  ASSERT_TRUE(on_split);
  EXPECT_EQ(on_split->tensor.get_index(), 0u);
  EXPECT_EQ(quantizer_on(plan, relu), nullptr);
}

TEST(QuantizeAnalysis, QuantizerGoesAbovePoolingReadByConvAndResidualAdd) {
  // ResNeXt's stem: the max-pool output feeds the first block's conv and its shortcut Add.
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 4, 8, 8});
  auto relu = std::make_shared<ov::op::v0::Relu>(add_bias(conv(input, 4, 4, 1, "stem"), 4, 2));
  auto pool = max_pool(relu);
  auto branch = add_bias(conv(pool, 4, 4, 3, "block"), 4, 4);
  auto sum = std::make_shared<ov::op::v1::Add>(branch, pool);
  sum->set_friendly_name("sum");
  // A ShapeOf reads only the shape: it does not keep the quantizer below the pool.
  auto shape = std::make_shared<ov::op::v3::ShapeOf>(pool);
  auto model = std::make_shared<ov::Model>(ov::OutputVector{sum, shape}, ov::ParameterVector{input});
  auto plan = analyse(model, {});
  EXPECT_EQ(quantizer_on(plan, pool), nullptr);
  const auto* on_relu = quantizer_on(plan, relu);
  ASSERT_TRUE(on_relu);
  EXPECT_TRUE(on_relu->after_relu);
  EXPECT_TRUE(feeds(*on_relu, pool, 0));
  auto served = on_relu->serves;
  std::sort(served.begin(), served.end());
  EXPECT_EQ(served, (std::vector<std::string>{"block", "sum"}));
}

// x = relu(conv(input)); a squeeze-and-excitation gate x · σ(conv(mean(x))), then SiLU
// s · σ(s) of the next conv's output s, then a last conv.
struct GatedBlock {
  std::shared_ptr<ov::Model> model;
  std::shared_ptr<ov::Node> relu, gate, gated, next, silu;
};

GatedBlock make_gated_block() {
  GatedBlock b;
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 4, 8, 8});
  b.relu = std::make_shared<ov::op::v0::Relu>(conv(input, 4, 4, 1, "stem"));
  auto mean = std::make_shared<ov::op::v1::ReduceMean>(
      b.relu, Constant::create(ov::element::i64, {2}, std::vector<int64_t>{2, 3}), true);
  b.gate = std::make_shared<ov::op::v0::Sigmoid>(conv(mean, 4, 4, 2, "squeeze"));
  b.gated = std::make_shared<ov::op::v1::Multiply>(b.relu, b.gate);
  b.gated->set_friendly_name("gated");
  b.next = conv(b.gated, 4, 4, 3, "next");
  b.silu = std::make_shared<ov::op::v1::Multiply>(b.next, std::make_shared<ov::op::v0::Sigmoid>(b.next));
  b.silu->set_friendly_name("silu");
  auto last = conv(b.silu, 4, 4, 4, "last");
  b.model = std::make_shared<ov::Model>(ov::OutputVector{last}, ov::ParameterVector{input});
  return b;
}

TEST(QuantizeAnalysis, GatingMultiplyGetsBothInputsQuantizedSiluDoesNot) {
  auto b = make_gated_block();
  auto plan = analyse(b.model, {});
  // Both inputs of the gate's product, as NNCF: x (shared with the pooling) and σ(…).
  const auto* on_gate = quantizer_on(plan, b.gate);
  ASSERT_TRUE(on_gate);
  EXPECT_TRUE(feeds(*on_gate, b.gated, 1));
  const auto* on_relu = quantizer_on(plan, b.relu);
  ASSERT_TRUE(on_relu);
  EXPECT_TRUE(feeds(*on_relu, b.gated, 0));
  // SiLU is an activation function: no quantizer on its inputs, only on its output (last's input).
  EXPECT_EQ(quantizer_on(plan, b.next), nullptr);
  const auto* on_silu = quantizer_on(plan, b.silu);
  ASSERT_TRUE(on_silu);
  EXPECT_TRUE(plan.fp32_ops.empty());

  // A transformer keeps the product in FP32 and says why.
  AnalysisOptions transformer;
  transformer.transformer = true;
  auto t = analyse(make_gated_block().model, transformer);
  ASSERT_EQ(t.fp32_ops.size(), 2u);  // the pooling and the gate
  EXPECT_EQ(t.fp32_ops[1].name, "gated");
  EXPECT_NE(t.fp32_ops[1].reason.find("products of two activations stay FP32"), std::string::npos);
}

TEST(QuantizeAnalysis, ResidualAddsOffAreListedAsFp32) {
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 4, 8, 8});
  auto relu = std::make_shared<ov::op::v0::Relu>(input);
  auto sum = std::make_shared<ov::op::v1::Add>(conv(relu, 4, 4, 1, "c"), relu);
  sum->set_friendly_name("sum");
  auto model = std::make_shared<ov::Model>(ov::OutputVector{sum}, ov::ParameterVector{input});
  auto plan = analyse(model, AnalysisOptions{false, true});
  ASSERT_EQ(plan.fp32_ops.size(), 1u);
  EXPECT_EQ(plan.fp32_ops[0].name, "sum");
  EXPECT_EQ(plan.fp32_ops[0].type, "Add");
  EXPECT_EQ(plan.fp32_ops[0].reason, "residual Add quantization is off");
  EXPECT_TRUE(analyse(model, {}).fp32_ops.empty());
}

TEST(QuantizeAnalysis, OverflowFixFirstLayerIgnoresTheInputsShapeOfBranch) {
  // Dynamic batch: the flatten before the classifier takes the batch size from ShapeOf(input).
  // That branch carries a shape, not pixels: only conv1 reads the raw input.
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 8, 8});
  auto c1 = conv(input, 3, 4, 1, "conv1");
  auto relu = std::make_shared<ov::op::v0::Relu>(c1);
  auto shape = std::make_shared<ov::op::v3::ShapeOf>(input);
  auto batch = std::make_shared<ov::op::v8::Gather>(shape, Constant::create(ov::element::i64, {1}, {0}),
                                                    Constant::create(ov::element::i64, {}, {0}));
  auto target = std::make_shared<ov::op::v0::Concat>(
      ov::OutputVector{batch, Constant::create(ov::element::i64, {1}, {-1})}, 0);
  auto flat = std::make_shared<ov::op::v1::Reshape>(relu, target, false);
  auto fc = std::make_shared<ov::op::v0::MatMul>(flat, random_constant({10, 256}, 2), false, true);
  fc->set_friendly_name("fc");
  auto model = std::make_shared<ov::Model>(ov::OutputVector{fc}, ov::ParameterVector{input});
  auto plan = analyse(model, {});
  ASSERT_EQ(plan.weights.size(), 2u);
  EXPECT_EQ(first_quantized_layers(*model, plan), std::set<const ov::Node*>{c1.get()});
}

TEST(QuantizeAnalysis, UnsupportedComputeOpsAreListedAsFp32) {
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{1, 4, 4, 4});
  auto up = std::make_shared<ov::op::v1::ConvolutionBackpropData>(
      input, random_constant({4, 2, 2, 2}, 1), ov::Strides{2, 2}, ov::CoordinateDiff{0, 0}, ov::CoordinateDiff{0, 0},
      ov::Strides{1, 1});
  up->set_friendly_name("up");
  auto model = std::make_shared<ov::Model>(ov::OutputVector{up}, ov::ParameterVector{input});
  auto plan = analyse(model, {});
  EXPECT_TRUE(plan.activations.empty());
  ASSERT_EQ(plan.fp32_ops.size(), 1u);
  EXPECT_EQ(plan.fp32_ops[0].name, "up");
  EXPECT_EQ(plan.fp32_ops[0].reason,
            "op type ConvolutionBackpropData is not supported by torchvino's quantizer (NNCF quantizes it)");
}

}  // namespace
