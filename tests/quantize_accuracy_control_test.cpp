// Ignored scope and accuracy control on a model built to have exactly one layer INT8 ruins.
// conv1's channel 0 is dead (zero weights, negative bias: ReLU outputs 0 for every input), and
// every output channel of conv2 gives that dead channel a weight 10^4 times its others. FP32
// never notices (the weight multiplies zeros), but conv2's per-output-channel weight scale is set
// by the outlier, so INT8 rounds all of conv2's real weights to zero. Reverting conv2 alone must
// restore the metric; conv1 and fc are harmless.
#include <gtest/gtest.h>

#include <cmath>
#include <torch/torch.h>

#include <openvino/op/ops.hpp>
#include <openvino/openvino.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_runner.hpp"
#include "torchvino/accuracy_control.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/quantize.hpp"
#include "torchvino/runtime.hpp"

namespace {

using ov::op::v0::Constant;
using torchvino::Dataset;

std::shared_ptr<Constant> constant(const torch::Tensor& t) {
  auto c = t.contiguous().to(torch::kFloat);
  std::vector<int64_t> dims(c.sizes().begin(), c.sizes().end());
  return std::make_shared<Constant>(ov::element::f32, ov::Shape(dims.begin(), dims.end()), c.data_ptr<float>());
}

std::shared_ptr<ov::Node> conv(const ov::Output<ov::Node>& x, const torch::Tensor& w, const torch::Tensor& bias,
                               const std::string& name) {
  auto c = std::make_shared<ov::op::v1::Convolution>(x, constant(w), ov::Strides{1, 1}, ov::CoordinateDiff{1, 1},
                                                     ov::CoordinateDiff{1, 1}, ov::Strides{1, 1});
  c->set_friendly_name(name);
  return std::make_shared<ov::op::v0::Relu>(std::make_shared<ov::op::v1::Add>(c, constant(bias.reshape({1, -1, 1, 1}))));
}

// in_channels×size×size → conv1 8 → relu → conv2 16 → relu → global mean → fc 10.
std::shared_ptr<ov::Model> sensitive_model(int64_t in_channels = 4, int64_t size = 8) {
  torch::manual_seed(7);
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, in_channels, size, size});
  auto w1 = torch::randn({8, in_channels, 3, 3}) * std::sqrt(2.0 / double(in_channels * 9));
  auto b1 = torch::rand({8}) * 0.2 + 0.05;
  w1[0].zero_();  // the dead channel
  b1[0] = -1.0;
  auto w2 = torch::randn({16, 8, 3, 3}) * std::sqrt(2.0 / 63.0);
  w2.select(1, 0).zero_();
  w2.select(1, 0).select(1, 1).select(1, 1).fill_(1e4 * w2.abs().max().item<float>());  // the outlier weights
  auto h = conv(conv(x, w1, b1, "conv1"), w2, torch::rand({16}) * 0.2 + 0.05, "conv2");
  auto pooled = std::make_shared<ov::op::v1::ReduceMean>(h, Constant::create(ov::element::i64, {2}, {2, 3}), false);
  auto fc = std::make_shared<ov::op::v0::MatMul>(pooled, constant(torch::randn({10, 16}) * 0.5), false, true);
  fc->set_friendly_name("fc");
  auto logits = std::make_shared<ov::op::v1::Add>(fc, constant(torch::randn({10}) * 0.1));
  return std::make_shared<ov::Model>(ov::OutputVector{logits}, ov::ParameterVector{x});
}

Dataset make_dataset(const torch::Tensor& images, const torch::Tensor& labels) {
  Dataset d;
  d.images = images;
  d.labels = labels;
  return d;
}

torch::Tensor fp32_logits(const std::shared_ptr<ov::Model>& model, const torch::Tensor& images) {
  auto backend = torchvino::make_openvino_backend(model, {});
  const Dataset d = make_dataset(images, torch::zeros({images.size(0)}, torch::kLong));
  torchvino::EvalOptions eval;
  eval.warmup_batches = 0;
  return torchvino::evaluate(*backend, d, eval).logits;
}

// 400 random inputs labelled by the FP32 model itself (FP32 accuracy 100 %), keeping only items
// with a clear winner so the small noise of the harmless quantizers does not flip them.
Dataset self_labelled(const std::shared_ptr<ov::Model>& model, uint64_t seed) {
  torch::manual_seed(seed);
  auto images = torch::randn({1500, 4, 8, 8});
  auto logits = fp32_logits(model, images);
  auto top2 = std::get<0>(logits.topk(2, 1));
  auto margin = top2.select(1, 0) - top2.select(1, 1);
  auto keep = torch::nonzero(margin > margin.median()).squeeze(1).slice(0, 0, 400);
  return make_dataset(images.index_select(0, keep), logits.argmax(1).index_select(0, keep));
}

struct Sets {
  Dataset calibration, validation;
};
const Sets& sets() {
  static const Sets s = [] {
    Sets out;
    out.validation = self_labelled(sensitive_model(), 11);
    out.calibration = make_dataset(torch::randn({100, 4, 8, 8}), torch::zeros({100}, torch::kLong));
    return out;
  }();
  return s;
}

const torchvino::QuantizedLayer& layer(const torchvino::QuantizeResult& r, const std::string& name) {
  for (const auto& l : r.layers)
    if (l.name == name) return l;
  throw std::runtime_error("no layer " + name);
}

// Runtime precision of the executed Convolution/FullyConnected whose original layers include `name`.
std::string executed_precision(const std::shared_ptr<ov::Model>& model, const std::string& name) {
  auto compiled = torchvino::openvino_core().compile_model(model, "CPU", ov::hint::inference_precision(ov::element::f32));
  for (const auto& l : torchvino::executed_layers(compiled)) {
    if (l.layer_type != "Convolution" && l.layer_type != "FullyConnected") continue;
    std::stringstream names(l.original_names);
    for (std::string item; std::getline(names, item, ',');)
      if (item == name) return l.runtime_precision;
  }
  return "(not found)";
}

torchvino::QuantizeOptions options() {
  torchvino::QuantizeOptions o;
  o.subset_size = 100;
  return o;
}

TEST(QuantizeIgnoredScope, NamedOpStaysFp32AndOthersRunInt8) {
  auto o = options();
  o.ignored_scope.names = {"conv2"};
  auto r = torchvino::quantize(sensitive_model(), sets().calibration, o);
  EXPECT_FALSE(layer(r, "conv2").int8);
  EXPECT_EQ(layer(r, "conv2").reason, "ignored scope");
  EXPECT_TRUE(layer(r, "conv1").int8);
  EXPECT_TRUE(layer(r, "fc").int8);
  EXPECT_EQ(executed_precision(r.model, "conv2"), "f32");
  EXPECT_TRUE(executed_precision(r.model, "conv1") == "u8" || executed_precision(r.model, "conv1") == "i8")
      << executed_precision(r.model, "conv1");
  EXPECT_EQ(r.model->get_rt_info<std::string>("torchvino", "quantization", "ignored_scope", "names"), "conv2");
}

TEST(QuantizeIgnoredScope, TypesAndPatterns) {
  auto o = options();
  o.ignored_scope.types = {"MatMul"};
  auto r = torchvino::quantize(sensitive_model(), sets().calibration, o);
  EXPECT_FALSE(layer(r, "fc").int8);
  EXPECT_TRUE(layer(r, "conv1").int8 && layer(r, "conv2").int8);

  o = options();
  o.ignored_scope.patterns = {"conv"};  // matched from the start: conv1 and conv2, not fc
  r = torchvino::quantize(sensitive_model(), sets().calibration, o);
  EXPECT_FALSE(layer(r, "conv1").int8);
  EXPECT_FALSE(layer(r, "conv2").int8);
  EXPECT_TRUE(layer(r, "fc").int8);
  EXPECT_EQ(executed_precision(r.model, "conv1"), "f32");
}

TEST(QuantizeIgnoredScope, UnmatchedEntriesAreErrors) {
  auto o = options();
  o.ignored_scope.names = {"conv2", "conv9"};
  o.ignored_scope.patterns = {"nothing.*"};
  try {
    torchvino::quantize(sensitive_model(), sets().calibration, o);
    FAIL() << "expected an error";
  } catch (const torchvino::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("name 'conv9'"), std::string::npos) << what;
    EXPECT_NE(what.find("pattern 'nothing.*'"), std::string::npos) << what;
    EXPECT_EQ(what.find("'conv2'"), std::string::npos) << what;
  }
  o = options();
  o.ignored_scope.patterns = {"conv[1"};
  EXPECT_THROW(torchvino::quantize(sensitive_model(), sets().calibration, o), torchvino::Error);
}

TEST(QuantizeAccuracyControl, RevertsExactlyTheSensitiveLayer) {
  const auto& s = sets();
  torchvino::AccuracyControlOptions c;
  c.max_drop = 0.02;
  c.ranking_subset = 100;
  std::vector<std::string> stages;
  c.on_progress = [&](const std::string& stage, const std::string&) { stages.push_back(stage); };
  auto r = torchvino::quantize_with_accuracy_control(sensitive_model(), s.calibration, s.validation, options(), c);
  std::cout << "[ figures  ] sensitive model: FP32 " << r.fp32_accuracy << ", INT8 " << r.initial_int8_accuracy
            << " -> " << r.final_int8_accuracy << " after reverting " << r.reverted.size() << " layer(s)\n";
  EXPECT_DOUBLE_EQ(r.fp32_accuracy, 1.0);
  EXPECT_GT(r.initial_drop, 0.3) << "the outlier should ruin plain INT8";
  EXPECT_LE(r.final_drop, c.max_drop);
  ASSERT_EQ(r.reverted.size(), 1u);
  EXPECT_EQ(r.reverted[0].name, "conv2");
  EXPECT_NE(r.reverted[0].reason.find("accuracy control: drop"), std::string::npos) << r.reverted[0].reason;
  EXPECT_FALSE(layer(r.quantized, "conv2").int8);
  EXPECT_EQ(layer(r.quantized, "conv2").reason, r.reverted[0].reason);
  EXPECT_TRUE(layer(r.quantized, "conv1").int8);
  EXPECT_TRUE(layer(r.quantized, "fc").int8);
  EXPECT_EQ(executed_precision(r.quantized.model, "conv2"), "f32");
  EXPECT_NE(executed_precision(r.quantized.model, "conv1"), "f32");
  const auto& m = *r.quantized.model;
  EXPECT_EQ(m.get_rt_info<std::string>("torchvino", "quantization", "algorithm"), "AccuracyAwareQuantization");
  EXPECT_EQ(m.get_rt_info<std::string>("torchvino", "quantization", "accuracy_control", "reverted"), "conv2");
  EXPECT_NE(std::find(stages.begin(), stages.end(), "rank"), stages.end());
  EXPECT_NE(std::find(stages.begin(), stages.end(), "revert"), stages.end());
}

TEST(QuantizeAccuracyControl, WithinMaxDropChangesNothing) {
  const auto& s = sets();
  auto o = options();
  o.ignored_scope.names = {"conv2"};
  torchvino::AccuracyControlOptions c;
  c.max_drop = 0.05;
  auto r = torchvino::quantize_with_accuracy_control(sensitive_model(), s.calibration, s.validation, o, c);
  EXPECT_TRUE(r.reverted.empty());
  EXPECT_EQ(r.iterations, 0);
  EXPECT_LE(r.initial_drop, 0.05);
  EXPECT_EQ(layer(r.quantized, "conv2").reason, "ignored scope");
}

TEST(QuantizeAccuracyControl, InvalidMaxDropIsAnErrorNamingTheField) {
  const auto& s = sets();
  for (const double bad : {-0.01, 1.0, std::nan("")}) {
    torchvino::AccuracyControlOptions c;
    c.max_drop = bad;
    try {
      torchvino::quantize_with_accuracy_control(sensitive_model(), s.calibration, s.validation, options(), c);
      ADD_FAILURE() << "max_drop " << bad << " accepted";
    } catch (const torchvino::Error& e) {
      EXPECT_NE(std::string(e.what()).find("max_drop: "), std::string::npos)
          << e.what();
    }
  }
}

// The binary end to end: a YAML config, flags on top, the summary, the saved IR's rt_info.
TEST(QuantizeCli, AccuracyAwareConfigWithIgnoredScope) {
  const std::filesystem::path data = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(data)) GTEST_SKIP() << "no Fashion-MNIST at " << data;
  const auto dir = fresh_temp_dir("quantize_cli_ac");
  torchvino::save_ir(sensitive_model(1, 28), dir / "fp32.xml");
  std::ofstream(dir / "cfg.yaml") << "model:\n  model: " << (dir / "fp32.xml").string() << "\n  output: "
                                  << (dir / "int8.xml").string()
                                  << "\nengine:\n  dataset: fashion-mnist\n  data_dir: " << data.string()
                                  << "\ncompression:\n  algorithm: AccuracyAwareQuantization\n  preset: performance\n"
                                     "  stat_subset_size: 50\n  max_drop: 0.5\n";
  auto r = run_cli("quantize -c " + (dir / "cfg.yaml").string() +
                   " --ignore-name fc --validation-limit 200 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("FP32: fc (MatMul): ignored scope"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("accuracy control: FP32"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("on 200 validation images"), std::string::npos) << r.output;
  auto saved = torchvino::openvino_core().read_model((dir / "int8.xml").string());
  EXPECT_EQ(saved->get_rt_info<std::string>("torchvino", "quantization", "algorithm"), "AccuracyAwareQuantization");
  EXPECT_EQ(saved->get_rt_info<std::string>("torchvino", "quantization", "subset_size"), "50");

  std::ofstream(dir / "bad.yaml") << "model:\n  model: x.xml\ncompression:\n  preset: fast\n";
  r = run_cli("quantize -c " + (dir / "bad.yaml").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("compression.preset: 'fast' is not one of auto, performance, mixed"), std::string::npos)
      << r.output;
  std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

// x → conv_a (dead channel 0) → t; t → conv_b → u and t → conv_c → v (one quantizer on t serves
// both); u + v (a residual Add) → global mean → fc. conv_c carries the outlier weights on the dead
// channel, so INT8 ruins it; conv_b is harmless but shares conv_c's input quantizer.
std::shared_ptr<ov::Model> branching_model() {
  torch::manual_seed(3);
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 4, 8, 8});
  auto wa = torch::randn({8, 4, 3, 3}) * std::sqrt(2.0 / 36.0);
  auto ba = torch::rand({8}) * 0.2 + 0.05;
  wa[0].zero_();
  ba[0] = -1.0;
  auto t = conv(x, wa, ba, "conv_a");
  auto wb = torch::randn({16, 8, 3, 3}) * std::sqrt(2.0 / 72.0);
  auto wc = torch::randn({16, 8, 3, 3}) * std::sqrt(2.0 / 72.0);
  wc.select(1, 0).zero_();
  wc.select(1, 0).select(1, 1).select(1, 1).fill_(1e4 * wc.abs().max().item<float>());
  auto u = conv(t, wb, torch::rand({16}) * 0.2, "conv_b");
  auto v = conv(t, wc, torch::rand({16}) * 0.2, "conv_c");
  auto join = std::make_shared<ov::op::v1::Add>(u, v);
  join->set_friendly_name("join");
  auto pooled = std::make_shared<ov::op::v1::ReduceMean>(join, Constant::create(ov::element::i64, {2}, {2, 3}), false);
  pooled->set_friendly_name("pool");
  auto fc = std::make_shared<ov::op::v0::MatMul>(pooled, constant(torch::randn({10, 16}) * 0.5), false, true);
  fc->set_friendly_name("fc");
  auto logits = std::make_shared<ov::op::v1::Add>(fc, constant(torch::randn({10}) * 0.1));
  return std::make_shared<ov::Model>(ov::OutputVector{logits}, ov::ParameterVector{x});
}

}  // namespace

TEST(QuantizerGroups, OpsSharingAQuantizerFormOneGroupAndAddsAndPoolingTheirOwn) {
  const auto r = torchvino::quantize(branching_model(), sets().calibration, options());
  std::vector<std::vector<std::string>> groups;
  for (const auto& g : r.quantizer_groups) {
    groups.push_back(g.ops);
    ASSERT_EQ(g.ops.size(), g.types.size());
  }
  const std::vector<std::vector<std::string>> expected{{"conv_a"}, {"conv_b", "conv_c"}, {"join"}, {"pool"}, {"fc"}};
  EXPECT_EQ(groups, expected);
  EXPECT_EQ(r.quantizer_groups[2].types, (std::vector<std::string>{"Add"}));
  EXPECT_EQ(r.quantizer_groups[3].types, (std::vector<std::string>{"ReduceMean"}));
}

TEST(QuantizeAccuracyControl, RevertsAWholeQuantizerGroup) {
  auto model = branching_model();
  const Dataset validation = self_labelled(model, 12);
  torchvino::AccuracyControlOptions c;
  c.max_drop = 0.02;
  c.ranking_subset = 100;
  std::vector<std::string> ranked;
  c.on_progress = [&](const std::string& stage, const std::string& message) {
    if (stage == "rank") ranked.push_back(message);
  };
  auto r = torchvino::quantize_with_accuracy_control(model, sets().calibration, validation, options(), c);
  std::cout << "[ figures  ] branching model: INT8 " << r.initial_int8_accuracy << " -> " << r.final_int8_accuracy
            << " after reverting " << r.reverted.size() << " op(s)\n";
  EXPECT_GT(r.initial_drop, 0.3) << "the outlier should ruin plain INT8";
  EXPECT_LE(r.final_drop, c.max_drop);
  ASSERT_EQ(r.reverted.size(), 2u);
  EXPECT_EQ(r.reverted[0].name, "conv_b");
  EXPECT_EQ(r.reverted[1].name, "conv_c");
  EXPECT_NE(r.reverted[0].reason.find("(quantizer group conv_b, conv_c)"), std::string::npos) << r.reverted[0].reason;
  EXPECT_FALSE(layer(r.quantized, "conv_b").int8);
  EXPECT_FALSE(layer(r.quantized, "conv_c").int8);
  EXPECT_TRUE(layer(r.quantized, "conv_a").int8);
  EXPECT_EQ(executed_precision(r.quantized.model, "conv_c"), "f32");
  // The Add and the pooling were candidates too.
  bool add_ranked = false, pool_ranked = false;
  for (const auto& m : ranked) {
    add_ranked |= m.find("join (Add)") != std::string::npos;
    pool_ranked |= m.find("pool (ReduceMean)") != std::string::npos;
  }
  EXPECT_TRUE(add_ranked);
  EXPECT_TRUE(pool_ranked);
}
