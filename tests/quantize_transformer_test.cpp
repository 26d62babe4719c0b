// NNCF's transformer rules, on a small ViT-style block built here: patch embedding, LayerNorm
// (MVN), single-head self-attention, MLP with GELU, residual Adds, token mean, classifier.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <openvino/op/ops.hpp>
#include <openvino/openvino.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include "quantize/graph_analysis.hpp"
#include "quantize/model_type.hpp"
#include "quantize/smooth_quant.hpp"
#include "quantize/statistics.hpp"
#include "test_paths.hpp"
#include "torchvino/error.hpp"
#include "torchvino/quantize.hpp"
#include "torchvino/runtime.hpp"

namespace {

using namespace torchvino::quant;
using ov::op::v0::Constant;
using ov::op::v0::Parameter;

std::shared_ptr<Constant> random_constant(const ov::Shape& shape, int seed, double scale = 0.3) {
  torch::manual_seed(seed);
  std::vector<int64_t> dims(shape.begin(), shape.end());
  auto t = (torch::randn(dims) * scale).contiguous();
  return std::make_shared<Constant>(ov::element::f32, shape, t.data_ptr<float>());
}

constexpr size_t kDim = 8;

// x · Wᵀ + b, as PyTorch's Linear exports.
std::shared_ptr<ov::Node> linear(const ov::Output<ov::Node>& x, size_t in, size_t out, int seed,
                                 const std::string& name) {
  auto mm = std::make_shared<ov::op::v0::MatMul>(x, random_constant({out, in}, seed), false, true);
  mm->set_friendly_name(name);
  return std::make_shared<ov::op::v1::Add>(mm, random_constant({out}, seed + 100, 0.05));
}

std::shared_ptr<ov::Node> layer_norm(const ov::Output<ov::Node>& x, int seed) {
  auto mvn = std::make_shared<ov::op::v6::MVN>(x, Constant::create(ov::element::i64, {1}, {-1}), true, 1e-5f,
                                               ov::op::MVNEpsMode::INSIDE_SQRT);
  auto scaled = std::make_shared<ov::op::v1::Multiply>(mvn, random_constant({kDim}, seed, 1.0));
  return std::make_shared<ov::op::v1::Add>(scaled, random_constant({kDim}, seed + 1, 0.1));
}

struct Block {
  std::shared_ptr<ov::Model> model;
  std::shared_ptr<ov::Node> patch, ln1, q, k, v, scores, softmax, context, proj, residual1, fc1, gelu, fc2, residual2,
      mean, head;
};

// 3×8×8 image → 4×4 patches → 4 tokens of 8 → one transformer block → mean → 5 classes.
Block make_block() {
  Block b;
  auto x = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 8, 8});
  b.patch = std::make_shared<ov::op::v1::Convolution>(x, random_constant({kDim, 3, 4, 4}, 1), ov::Strides{4, 4},
                                                      ov::CoordinateDiff{0, 0}, ov::CoordinateDiff{0, 0},
                                                      ov::Strides{1, 1});
  b.patch->set_friendly_name("patch");
  auto tokens = std::make_shared<ov::op::v1::Transpose>(
      std::make_shared<ov::op::v1::Reshape>(b.patch, Constant::create(ov::element::i64, {3}, {0, 8, 4}), true),
      Constant::create(ov::element::i64, {3}, {0, 2, 1}));  // N×4×8
  b.ln1 = layer_norm(tokens, 2);
  b.q = linear(b.ln1, kDim, kDim, 3, "q");
  b.k = linear(b.ln1, kDim, kDim, 4, "k");
  b.v = linear(b.ln1, kDim, kDim, 5, "v");
  b.scores = std::make_shared<ov::op::v0::MatMul>(b.q, b.k, false, true);
  b.scores->set_friendly_name("scores");
  auto scaled = std::make_shared<ov::op::v1::Multiply>(b.scores, Constant::create(ov::element::f32, {}, {0.35f}));
  b.softmax = std::make_shared<ov::op::v8::Softmax>(scaled, -1);
  b.softmax->set_friendly_name("softmax");
  b.context = std::make_shared<ov::op::v0::MatMul>(b.softmax, b.v);
  b.context->set_friendly_name("context");
  b.proj = linear(b.context, kDim, kDim, 6, "proj");
  b.residual1 = std::make_shared<ov::op::v1::Add>(tokens, b.proj);
  b.residual1->set_friendly_name("residual1");
  b.fc1 = linear(layer_norm(b.residual1, 7), kDim, 16, 8, "fc1");
  b.gelu = std::make_shared<ov::op::v7::Gelu>(b.fc1);
  b.fc2 = linear(b.gelu, 16, kDim, 9, "fc2");
  b.residual2 = std::make_shared<ov::op::v1::Add>(b.residual1, b.fc2);
  b.residual2->set_friendly_name("residual2");
  b.mean = std::make_shared<ov::op::v1::ReduceMean>(b.residual2, Constant::create(ov::element::i64, {1}, {1}), false);
  b.mean->set_friendly_name("mean");
  b.head = linear(b.mean, kDim, 5, 10, "head");
  b.model = std::make_shared<ov::Model>(ov::OutputVector{b.head}, ov::ParameterVector{x});
  return b;
}

const ActivationQuantizer* quantizer_on(const QuantizationPlan& plan, const std::shared_ptr<ov::Node>& node) {
  for (const auto& q : plan.activations)
    if (q.tensor.get_node() == node.get()) return &q;
  return nullptr;
}

bool quantizer_feeds(const QuantizationPlan& plan, const ov::Node* node) {
  for (const auto& q : plan.activations)
    for (const auto& c : q.consumers)
      if (c.get_node() == node) return true;
  return false;
}

const LayerDecision& layer_named(const QuantizationPlan& plan, const std::string& name) {
  for (const auto& l : plan.layers)
    if (l.op->get_friendly_name() == name) return l;
  throw std::runtime_error("no layer " + name);
}

TEST(QuantizeTransformer, DetectsAttentionAndLayerNorm) {
  auto b = make_block();
  const auto detected = detect_model_type(*b.model);
  EXPECT_EQ(detected.type, torchvino::ModelType::Transformer);
  EXPECT_FALSE(detected.evidence.empty());
  EXPECT_EQ(resolve_model_type(torchvino::ModelType::CNN, *b.model).type, torchvino::ModelType::CNN);

  // A plain CNN whose classifier ends in Softmax is no transformer.
  auto x = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 8, 8});
  auto c = std::make_shared<ov::op::v1::Convolution>(x, random_constant({4, 3, 3, 3}, 1), ov::Strides{1, 1},
                                                     ov::CoordinateDiff{1, 1}, ov::CoordinateDiff{1, 1},
                                                     ov::Strides{1, 1});
  auto flat = std::make_shared<ov::op::v1::Reshape>(c, Constant::create(ov::element::i64, {2}, {0, -1}), true);
  auto fc = std::make_shared<ov::op::v0::MatMul>(flat, random_constant({5, 256}, 2), false, true);
  auto probs = std::make_shared<ov::op::v8::Softmax>(fc, -1);
  auto cnn = std::make_shared<ov::Model>(ov::OutputVector{probs}, ov::ParameterVector{x});
  EXPECT_EQ(detect_model_type(*cnn).type, torchvino::ModelType::CNN);
}

TEST(QuantizeTransformer, PlacesQuantizersAsNncfDoesForTransformers) {
  auto b = make_block();
  AnalysisOptions options;
  options.transformer = true;
  auto plan = analyse(b.model, options);

  // Weighted layers quantized; the MatMul reading the Softmax is not (NNCF's ignored pattern).
  for (const auto* name : {"patch", "q", "k", "v", "scores", "proj", "fc1", "fc2", "head"})
    EXPECT_TRUE(layer_named(plan, name).quantized) << name << ": " << layer_named(plan, name).reason;
  const auto& context = layer_named(plan, "context");
  EXPECT_FALSE(context.quantized);
  EXPECT_NE(context.reason.find("Softmax"), std::string::npos) << context.reason;
  EXPECT_FALSE(quantizer_feeds(plan, b.context.get()));

  // No quantizer on residual Adds, the token mean or the MVN; none reads the Softmax output.
  for (const auto& node : {b.residual1, b.residual2, b.mean})
    EXPECT_FALSE(quantizer_feeds(plan, node.get())) << node->get_friendly_name();
  EXPECT_EQ(quantizer_on(plan, b.softmax), nullptr);
  std::vector<std::string> fp32;
  for (const auto& op : plan.fp32_ops) {
    fp32.push_back(op.name);
    EXPECT_NE(op.reason.find("transformer"), std::string::npos) << op.reason;
  }
  std::sort(fp32.begin(), fp32.end());
  EXPECT_EQ(fp32, (std::vector<std::string>{"mean", "residual1", "residual2"}));

  // Attention scores: both activation inputs quantized, symmetric whatever the preset.
  const auto* on_q = quantizer_on(plan, b.q);
  const auto* on_k = quantizer_on(plan, b.k);
  ASSERT_TRUE(on_q && on_k);
  EXPECT_TRUE(on_q->symmetric && on_k->symmetric);
  EXPECT_EQ(on_q->serves, std::vector<std::string>{"scores"});
  // Q, K and V projections share one quantizer on the LayerNorm output; fc2 reads GELU's output.
  const auto* on_ln1 = quantizer_on(plan, b.ln1);
  ASSERT_TRUE(on_ln1);
  EXPECT_EQ(on_ln1->consumers.size(), 3u);
  EXPECT_FALSE(on_ln1->symmetric);
  ASSERT_TRUE(quantizer_on(plan, b.gelu));
  // patch input, ln1, q, k, context (proj input), ln2, gelu, mean (head input).
  EXPECT_EQ(plan.activations.size(), 8u);
}

TEST(QuantizeTransformer, CnnSchemeQuantizesResidualAddsAndTheSoftmaxMatMul) {
  auto b = make_block();
  auto plan = analyse(b.model, {});
  EXPECT_TRUE(layer_named(plan, "context").quantized);
  for (const auto& node : {b.residual1, b.residual2, b.mean})
    EXPECT_TRUE(quantizer_feeds(plan, node.get())) << node->get_friendly_name();
  EXPECT_TRUE(plan.fp32_ops.empty());
  for (const auto& q : plan.activations) EXPECT_FALSE(q.symmetric);
}

torchvino::Dataset images(int64_t n, int seed) {
  torch::manual_seed(seed);
  torchvino::Dataset d;
  d.images = torch::randn({n, 3, 8, 8});
  d.labels = torch::zeros({n}, torch::kInt64);
  return d;
}

// The FakeQuantize reading `node`'s output.
std::shared_ptr<ov::op::v0::FakeQuantize> fake_quantize_after(const std::shared_ptr<ov::Model>& model,
                                                              const std::string& friendly_name) {
  for (const auto& op : model->get_ops())
    if (auto fq = ov::as_type_ptr<ov::op::v0::FakeQuantize>(op))
      if (fq->get_input_node_ptr(0)->get_friendly_name() == friendly_name) return fq;
  return nullptr;
}

TEST(QuantizeTransformer, AutoDetectedMixedPresetKeepsAttentionQuantizersSymmetric) {
  auto b = make_block();
  b.q->set_friendly_name("q_out");
  b.ln1->set_friendly_name("ln1_out");
  torchvino::QuantizeOptions options;
  options.subset_size = 16;
  options.preset = torchvino::Preset::Mixed;
  auto result = torchvino::quantize(b.model, images(16, 3), options);
  EXPECT_EQ(result.model_type, torchvino::ModelType::Transformer);
  EXPECT_FALSE(result.model_type_evidence.empty());
  EXPECT_EQ(result.fp32_ops.size(), 3u);
  bool context_fp32 = false;
  for (const auto& l : result.layers) context_fp32 = context_fp32 || (l.name == "context" && !l.int8);
  EXPECT_TRUE(context_fp32);
  EXPECT_EQ(result.model->get_rt_info<std::string>("torchvino", "quantization", "model_type"), "transformer");

  auto bound = [](const std::shared_ptr<ov::op::v0::FakeQuantize>& fq, size_t input) {
    return ov::as_type_ptr<Constant>(fq->get_input_node_shared_ptr(input))->cast_vector<float>().at(0);
  };
  // Symmetric: [0, hi] or [-hi·128/127, hi]. The Q projection output has both signs.
  auto on_q = fake_quantize_after(result.model, "q_out");
  ASSERT_TRUE(on_q);
  EXPECT_LT(bound(on_q, 1), 0.0f);
  EXPECT_NEAR(bound(on_q, 1), -bound(on_q, 2) * 128.0f / 127.0f, 1e-5f * bound(on_q, 2));
  // The LayerNorm output feeding Q/K/V follows the mixed preset: asymmetric, not ±hi.
  auto on_ln = fake_quantize_after(result.model, "ln1_out/smooth_quant");  // after SmoothQuant's scaling
  ASSERT_TRUE(on_ln);
  EXPECT_GT(std::abs(bound(on_ln, 1) + bound(on_ln, 2) * 128.0f / 127.0f), 1e-3f * bound(on_ln, 2));
}

// The same rules on the graph PyTorch's ONNX exporter writes (tests/fixtures/
// make_quantize_fixtures.py): LayerNorm as MVN with computed axes, multi-head reshapes and
// transposes around the attention MatMuls, a dynamic-batch ShapeOf branch off the input.
TEST(QuantizeTransformer, PyTorchExportedVitFollowsTheTransformerRules) {
  const auto file = std::filesystem::path(TORCHVINO_SOURCE_DIR) / "tests/fixtures/quantize/tiny_vit.onnx";
  auto model = torchvino::openvino_core().read_model(file.string());
  torchvino::QuantizeOptions options;
  options.subset_size = 8;
  options.overflow_fix = torchvino::OverflowFix::FirstLayer;
  auto result = torchvino::quantize(model, images(8, 5), options);
  EXPECT_EQ(result.model_type, torchvino::ModelType::Transformer);
  // NNCF's default preset for transformers: asymmetric activations.
  EXPECT_EQ(result.preset, torchvino::Preset::Mixed);
  EXPECT_EQ(result.model->get_rt_info<std::string>("torchvino", "quantization", "preset"), "mixed");

  // Every Convolution / MatMul INT8 but the one multiplying the Softmax output with V.
  std::vector<std::string> fp32_layers;
  int int8 = 0;
  for (const auto& l : result.layers) {
    if (l.int8) ++int8;
    else fp32_layers.push_back(l.name);
    EXPECT_EQ(l.weight_bits, l.type == "Convolution" ? 7 : 8) << l.name;  // the shape branch does not count
  }
  EXPECT_EQ(int8, 9);  // patch conv, q, k, v, q·kᵀ, proj, fc1, fc2, head
  EXPECT_EQ(fp32_layers, std::vector<std::string>{"node_matmul_1"});
  std::set<std::string> fp32_ops;
  for (const auto& op : result.fp32_ops) fp32_ops.insert(op.name);
  EXPECT_TRUE(fp32_ops.count("node_add_1") && fp32_ops.count("node_add_2"));  // the residual Adds

  int fake_quantizes = 0;
  for (const auto& op : result.model->get_ordered_ops()) {
    if (!ov::is_type<ov::op::v0::FakeQuantize>(op)) continue;
    ++fake_quantizes;
    EXPECT_FALSE(ov::is_type<ov::op::v8::Softmax>(op->get_input_node_ptr(0))) << op->get_friendly_name();
    for (const auto& reader : op->output(0).get_target_inputs())
      EXPECT_FALSE(ov::is_type<ov::op::v1::Add>(reader.get_node())) << op->get_friendly_name() << " feeds an Add";
  }
  // Activations: input, LayerNorm 1 (q, k, v), q and k (through their head reshapes), the attention
  // output (proj), LayerNorm 2 (fc1), GELU (fc2), the class token (head).
  EXPECT_EQ(result.activation_quantizers, 8);
  EXPECT_EQ(fake_quantizes, 8);  // weights are stored int8, not behind FakeQuantize

  // What the CPU plugin makes of it: every Convolution / FullyConnected in u8/i8. The attention
  // core (q·kᵀ, scale, Softmax, ·V) may become one Snippets "Subgraph" (MHA) node (CPUs with
  // AVX-512): the check must still see its two MatMuls, found by name in the source model.
  auto compiled = torchvino::openvino_core().compile_model(result.model, "CPU",
                                                           ov::hint::inference_precision(ov::element::f32));
  const auto executed = torchvino::executed_layers(compiled, result.model.get());
  for (const auto& l : torchvino::non_int8_layers(executed))
    ADD_FAILURE() << torchvino::describe(l) << " runs in " << l.runtime_precision;
  int fully_connected = 0;
  std::set<std::string> covered;  // source MatMuls inside a layer the check counts
  for (const auto& l : executed) {
    fully_connected += l.layer_type == "FullyConnected";
    if (!torchvino::is_compute_layer(l)) continue;
    std::stringstream names(l.original_names);
    for (std::string name; std::getline(names, name, ',');) covered.insert(name);
    if (l.original_names.find("node_softmax") != std::string::npos)
      std::cout << "[ figures  ] tiny ViT attention runs as " << torchvino::describe(l) << " in "
                << l.runtime_precision << "\n";
  }
  EXPECT_EQ(fully_connected, 7);  // q, k, v, proj, fc1, fc2, head
  // softmax·v by name (q·kᵀ may lose its name when the plugin folds the scale into it).
  EXPECT_TRUE(covered.count("node_matmul_1")) << "the attention MatMul is not seen by the check";
  EXPECT_TRUE(covered.count("node_softmax")) << "the attention block is not a compute layer";
  // The same graph compiled without quantizers: the attention MatMuls are reported as not 8-bit.
  auto fp32_compiled = torchvino::openvino_core().compile_model(model, "CPU",
                                                                ov::hint::inference_precision(ov::element::f32));
  std::string not_int8;
  for (const auto& l : torchvino::non_int8_layers(torchvino::executed_layers(fp32_compiled, model.get())))
    not_int8 += l.original_names + ",";
  EXPECT_NE(not_int8.find("node_matmul_1,"), std::string::npos) << not_int8;

  options.model_type = torchvino::ModelType::CNN;
  auto cnn = torchvino::quantize(model, images(8, 5), options);
  std::cout << "[ figures  ] tiny ViT activation quantizers: transformer rules " << result.activation_quantizers
            << ", CNN rules " << cnn.activation_quantizers << "\n";
  EXPECT_GT(cnn.activation_quantizers, result.activation_quantizers);
  EXPECT_EQ(cnn.preset, torchvino::Preset::Performance);  // the default for CNNs
}

TEST(QuantizeSmoothQuant, ScalesMatchTheHandComputedCase) {
  // Activation channel maxima 4 and 1; weight input-channel maxima 2 and 1.
  // alpha 0.5: s = (√4/√2, √1/√1) = (1.41421, 1), then raised to their 10th percentile
  // 1 + 0.1 × 0.41421 = 1.04142; alpha 0.95: 4^0.95 / 2^0.05 = 3.60500.
  const std::vector<float> activation{4.0f, 1.0f}, weight{2.0f, 1.0f};
  auto half = smooth_scales(activation, weight, 0.5);
  ASSERT_EQ(half.size(), 2u);
  EXPECT_NEAR(half[0], 1.41421f, 1e-5f);
  EXPECT_NEAR(half[1], 1.04142f, 1e-5f);
  EXPECT_NEAR(smooth_scales(activation, weight, 0.95)[0], 3.60500f, 1e-5f);
  // A dead channel (never active, or all-zero weights) counts as 1e-5, as in NNCF: √1e-5 = 0.0031623
  // and √2 / √1e-5 = 447.21; the floor lifts the first to 0.0031623 + 0.1 × 447.19 = 44.722, the
  // cap holds the second at 100.
  const auto dead = smooth_scales({0.0f, 2.0f}, {1.0f, 0.0f}, 0.5);
  EXPECT_NEAR(dead[0], 44.722, 1e-3);
  EXPECT_EQ(dead[1], 100.0);
}

TEST(QuantizeSmoothQuant, ScalesAreKeptBetweenTheirTenthPercentileAndOneHundred) {
  // alpha 0.5 and unit weights: s = √a = 0.01, 1, 2, …, 9, 1000. The 10th percentile of those 11
  // is the second smallest, 1: the rarely active first channel is not divided by 0.01, and no
  // scale exceeds 100.
  const std::vector<float> activation{1e-4f, 1, 4, 9, 16, 25, 36, 49, 64, 81, 1e6f};
  const auto s = smooth_scales(activation, std::vector<float>(activation.size(), 1.0f), 0.5);
  EXPECT_NEAR(s[0], 1.0f, 1e-6f);
  EXPECT_NEAR(s[5], 5.0f, 1e-5f);
  EXPECT_NEAR(s[10], 100.0f, 1e-6f);
}

TEST(QuantizeSmoothQuant, GroupsLayersByInputAndKeepsTheOutputsExact) {
  // Two linear layers read one tensor, one with W stored [out, in] (transpose_b), one [in, out].
  auto x = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 2});
  auto a_weights = Constant::create(ov::element::f32, {3, 2}, {1.0f, -0.5f, 2.0f, 0.25f, -0.5f, 1.0f});
  auto b_weights = Constant::create(ov::element::f32, {2, 2}, {0.5f, -3.0f, 0.5f, 0.5f});
  auto a = std::make_shared<ov::op::v0::MatMul>(x, a_weights, false, true);
  auto b = std::make_shared<ov::op::v0::MatMul>(x, b_weights, false, false);
  auto model = std::make_shared<ov::Model>(ov::OutputVector{a, b}, ov::ParameterVector{x});
  const auto groups = smooth_quant_groups(*model);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].matmuls.size(), 2u);
  EXPECT_EQ(groups[0].channels, 2u);
  // Input channel 0: max(|1|, |2|, |-0.5|, |0.5|, |-3|) = 3; channel 1: max(0.5, 0.25, 1, 0.5) = 1.
  EXPECT_EQ(weight_input_channel_abs_max(groups[0]), (std::vector<float>{3.0f, 1.0f}));

  torch::manual_seed(4);
  auto input = (torch::randn({2, 3, 2}) * torch::tensor({5.0f, 0.5f})).contiguous();
  auto run = [&](const std::shared_ptr<ov::Model>& m) {
    auto request = torchvino::openvino_core()
                       .compile_model(m, "CPU", ov::hint::inference_precision(ov::element::f32))
                       .create_infer_request();
    request.set_input_tensor(ov::Tensor(ov::element::f32, {2, 3, 2}, input.data_ptr<float>()));
    request.infer();
    std::vector<float> out;
    for (size_t i = 0; i < 2; ++i) {
      const auto t = request.get_output_tensor(i);
      out.insert(out.end(), t.data<float>(), t.data<float>() + t.get_size());
    }
    return out;
  };
  const auto before = run(model);
  // Inserted as ×1 (where the quantizers are placed and the statistics measured), the outputs do
  // not move at all.
  const auto multiply = insert_smoothing(groups[0]);
  model->validate_nodes_and_infer_types();
  EXPECT_EQ(run(model), before);
  const std::vector<double> scales{2.0, 0.5};
  EXPECT_EQ(apply_smooth_scales(groups[0], multiply, scales), (std::vector<float>{0.5f, 2.0f}));
  model->validate_nodes_and_infer_types();
  const auto after = run(model);
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) EXPECT_NEAR(before[i], after[i], 1e-5f * (1 + std::fabs(before[i])));
  // Weight rows of input channel j are multiplied by s_j: a's [out, in] columns, b's [in, out] rows.
  const auto a_scaled = ov::as_type_ptr<Constant>(a->get_input_node_shared_ptr(1))->cast_vector<float>();
  EXPECT_EQ(a_scaled, (std::vector<float>{2.0f, -0.25f, 4.0f, 0.125f, -1.0f, 0.5f}));
  const auto b_scaled = ov::as_type_ptr<Constant>(b->get_input_node_shared_ptr(1))->cast_vector<float>();
  EXPECT_EQ(b_scaled, (std::vector<float>{1.0f, -6.0f, 0.25f, 0.25f}));
  EXPECT_EQ(a->get_input_node_ptr(0), b->get_input_node_ptr(0));  // one shared 1/s Multiply
  EXPECT_TRUE(ov::is_type<ov::op::v1::Multiply>(a->get_input_node_ptr(0)));
}

// FakeQuantize ranges in graph order: (input_low, input_high) of each.
std::vector<std::pair<float, float>> fake_quantize_ranges(const ov::Model& model) {
  std::vector<std::pair<float, float>> ranges;
  for (const auto& op : model.get_ordered_ops()) {
    if (!ov::is_type<ov::op::v0::FakeQuantize>(op)) continue;
    const auto lo = ov::as_type_ptr<Constant>(op->get_input_node_shared_ptr(1))->cast_vector<float>();
    const auto hi = ov::as_type_ptr<Constant>(op->get_input_node_shared_ptr(2))->cast_vector<float>();
    for (size_t i = 0; i < lo.size(); ++i) ranges.emplace_back(lo[i], hi[i]);
  }
  return ranges;
}

// SmoothQuant is measured in MinMax's pass (one pass over the images, not two): the X/s ranges and
// bias corrections derived from X's statistics are those of smoothing first and measuring after.
TEST(QuantizeSmoothQuant, SharesTheCalibrationPassAndEqualsSmoothingFirst) {
  auto b = make_block();
  const auto calibration = images(16, 31);
  torchvino::QuantizeOptions options;
  options.subset_size = 16;
  const auto one = torchvino::quantize(b.model, calibration, options);
  EXPECT_EQ(one.smoothed_layers, 7);
  EXPECT_EQ(one.calibration_passes, 1);

  // By hand, in two passes: the groups' activations measured, the model smoothed, then quantized
  // without SmoothQuant.
  auto smoothed = b.model->clone();
  const auto groups = smooth_quant_groups(*smoothed);
  std::vector<StatisticPoint> points;
  for (const auto& g : groups)
    points.push_back({g.activation, Reducers{.channel_abs_max = true},
                      static_cast<int64_t>(g.activation.get_partial_shape().rank().get_length()) - 1});
  StatisticsOptions measure;
  measure.subset_size = 16;
  const auto stats = collect_statistics(smoothed, points, calibration.images, measure, {});
  for (size_t i = 0; i < groups.size(); ++i)
    apply_smooth_scales(groups[i], insert_smoothing(groups[i]),
                        smooth_scales(stats[i].channel_abs_max, weight_input_channel_abs_max(groups[i]), 0.95));
  smoothed->validate_nodes_and_infer_types();
  options.smooth_quant_alpha = -1;
  options.model_type = torchvino::ModelType::Transformer;
  const auto two = torchvino::quantize(smoothed, calibration, options);

  const auto derived = fake_quantize_ranges(*one.model), measured = fake_quantize_ranges(*two.model);
  ASSERT_EQ(derived.size(), measured.size());
  ASSERT_GT(derived.size(), 7u);
  for (size_t i = 0; i < derived.size(); ++i) {
    const float tolerance = 1e-5f * std::max(std::fabs(measured[i].first), std::fabs(measured[i].second));
    EXPECT_NEAR(derived[i].first, measured[i].first, tolerance) << "quantizer " << i;
    EXPECT_NEAR(derived[i].second, measured[i].second, tolerance) << "quantizer " << i;
  }
  // Bias corrections (from X/s channel means) and all: the two models compute the same.
  auto logits = [&](const std::shared_ptr<ov::Model>& m) {
    auto request = torchvino::openvino_core()
                       .compile_model(m, "CPU", ov::hint::inference_precision(ov::element::f32))
                       .create_infer_request();
    auto input = images(8, 32).images.contiguous();
    request.set_input_tensor(ov::Tensor(ov::element::f32, {8, 3, 8, 8}, input.data_ptr<float>()));
    request.infer();
    const auto t = request.get_output_tensor();
    return torch::from_blob(const_cast<float*>(t.data<const float>()), {8, 5}).clone();
  };
  const auto a = logits(one.model), c = logits(two.model);
  EXPECT_LT((a - c).norm().item<double>(), 1e-3 * c.norm().item<double>());

  // Quantiles cannot be derived from X's: SmoothQuant then measures in a pass of its own.
  options.smooth_quant_alpha = 0.95;
  options.model_type = torchvino::ModelType::Auto;
  options.range_estimator = torchvino::RangeEstimator::Quantile;
  const auto quantiles = torchvino::quantize(b.model, calibration, options);
  EXPECT_EQ(quantiles.smoothed_layers, 7);
  EXPECT_EQ(quantiles.calibration_passes, 2);
}

TEST(QuantizeSmoothQuant, AppliesToTransformersOnlyAndCanBeSwitchedOff) {
  auto b = make_block();
  torchvino::QuantizeOptions options;
  options.subset_size = 8;
  auto smoothed = torchvino::quantize(b.model, images(8, 6), options);
  EXPECT_EQ(smoothed.smoothed_layers, 7);  // q, k, v, proj, fc1, fc2, head
  EXPECT_EQ(smoothed.model->get_rt_info<std::string>("torchvino", "quantization", "smooth_quant_alpha"),
            std::to_string(0.95));
  options.smooth_quant_alpha = -1;
  EXPECT_EQ(torchvino::quantize(b.model, images(8, 6), options).smoothed_layers, 0);
  options.smooth_quant_alpha = 0.5;
  options.model_type = torchvino::ModelType::CNN;
  EXPECT_EQ(torchvino::quantize(b.model, images(8, 6), options).smoothed_layers, 0);
  options.smooth_quant_alpha = 1.5;
  EXPECT_THROW(torchvino::quantize(b.model, images(8, 6), options), torchvino::Error);
}

}  // namespace
