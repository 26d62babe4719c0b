// The whole quantize() run: INT8 really executes, outputs stay close, the IR shrinks, bias
// correction reduces the mean error.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <openvino/op/ops.hpp>
#include <openvino/openvino.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include "test_support.hpp"
#include "torchvino/quantize.hpp"
#include "torchvino/runtime.hpp"

namespace {

using ov::op::v0::Constant;

std::shared_ptr<Constant> he_weights(const std::vector<int64_t>& dims, int64_t fan_in, int seed) {
  torch::manual_seed(seed);
  auto t = (torch::randn(dims) * std::sqrt(2.0 / static_cast<double>(fan_in))).contiguous();
  return std::make_shared<Constant>(ov::element::f32, ov::Shape(dims.begin(), dims.end()), t.data_ptr<float>());
}

std::shared_ptr<Constant> small_bias(const ov::Shape& shape, int seed) {
  torch::manual_seed(seed);
  std::vector<int64_t> dims(shape.begin(), shape.end());
  // Away from zero: bias correction leaves layers with a zero bias alone.
  auto t = (torch::rand(dims) * 0.2 + 0.05).contiguous();
  return std::make_shared<Constant>(ov::element::f32, shape, t.data_ptr<float>());
}

std::shared_ptr<ov::Node> conv_bias(const ov::Output<ov::Node>& x, int64_t in, int64_t out, int seed,
                                    const std::string& name) {
  auto c = std::make_shared<ov::op::v1::Convolution>(x, he_weights({out, in, 3, 3}, in * 9, seed), ov::Strides{1, 1},
                                                     ov::CoordinateDiff{1, 1}, ov::CoordinateDiff{1, 1},
                                                     ov::Strides{1, 1});
  c->set_friendly_name(name);
  return std::make_shared<ov::op::v1::Add>(c, small_bias({1, static_cast<size_t>(out), 1, 1}, seed + 100));
}

// 3×16×16 → conv 16 → relu → pool → conv 32 → relu → pool → fc 10; weights are ~99 % of it.
std::shared_ptr<ov::Model> small_cnn() {
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 16, 16});
  auto pool = [](const ov::Output<ov::Node>& in) {
    return std::make_shared<ov::op::v1::MaxPool>(in, ov::Strides{2, 2}, ov::Shape{0, 0}, ov::Shape{0, 0},
                                                 ov::Shape{2, 2});
  };
  auto h = pool(std::make_shared<ov::op::v0::Relu>(conv_bias(x, 3, 16, 1, "conv1")));
  h = pool(std::make_shared<ov::op::v0::Relu>(conv_bias(h, 16, 32, 2, "conv2")));
  auto flat = std::make_shared<ov::op::v1::Reshape>(h, Constant::create(ov::element::i64, {2}, std::vector<int64_t>{0, -1}),
                                                    true);
  auto fc = std::make_shared<ov::op::v0::MatMul>(flat, he_weights({10, 32 * 4 * 4}, 512, 3), false, true);
  fc->set_friendly_name("fc");
  auto logits = std::make_shared<ov::op::v1::Add>(fc, small_bias({10}, 4));
  return std::make_shared<ov::Model>(ov::OutputVector{logits}, ov::ParameterVector{x});
}

// Smooth random images: coarse noise upsampled, so neighbouring pixels agree as in photos.
torch::Tensor smooth_images(int64_t n, int64_t channels, int64_t size, int seed, double offset = 0) {
  torch::manual_seed(seed);
  auto coarse = torch::randn({n, channels, size / 4, size / 4});
  namespace F = torch::nn::functional;
  auto fine = F::interpolate(coarse, F::InterpolateFuncOptions()
                                         .size(std::vector<int64_t>{size, size})
                                         .mode(torch::kBilinear)
                                         .align_corners(false));
  return (fine + offset).contiguous();
}

torchvino::Dataset dataset_of(const torch::Tensor& images) {
  torchvino::Dataset d;
  d.images = images;
  d.labels = torch::zeros({images.size(0)}, torch::kInt64);
  return d;
}

ov::CompiledModel compile(const std::shared_ptr<ov::Model>& model) {
  return torchvino::openvino_core().compile_model(model, "CPU", ov::hint::inference_precision(ov::element::f32));
}

torch::Tensor run(ov::CompiledModel& compiled, const torch::Tensor& images) {
  auto request = compiled.create_infer_request();
  auto x = images.contiguous();
  request.set_input_tensor(ov::Tensor(ov::element::f32, ov::Shape(x.sizes().begin(), x.sizes().end()), x.data_ptr<float>()));
  request.infer();
  auto out = request.get_output_tensor();
  const ov::Shape shape = out.get_shape();
  std::vector<int64_t> dims(shape.begin(), shape.end());
  return torch::from_blob(out.data<float>(), dims).clone();
}

using test_support::TempDir;

TEST(QuantizePipeline, SmallCnnRunsInt8AndStaysClose) {
  auto fp32 = small_cnn();
  torchvino::QuantizeOptions options;
  options.subset_size = 32;
  int64_t last_progress = 0;
  options.on_progress = [&](const std::string& stage, int64_t done, int64_t) {
    EXPECT_EQ(stage, "calibration");
    last_progress = done;
  };
  auto result = torchvino::quantize(fp32, dataset_of(smooth_images(64, 3, 16, 11)), options);
  EXPECT_EQ(last_progress, 32);
  EXPECT_EQ(result.calibration_samples, 32);
  EXPECT_EQ(result.activation_quantizers, 3);
  EXPECT_EQ(result.weight_quantizers, 3);
  ASSERT_EQ(result.layers.size(), 3u);
  for (const auto& layer : result.layers) {
    EXPECT_TRUE(layer.int8) << layer.name << ": " << layer.reason;
    EXPECT_TRUE(layer.bias_corrected) << layer.name;
  }
  // The input model is untouched.
  for (const auto& op : fp32->get_ops()) EXPECT_FALSE(ov::is_type<ov::op::v0::FakeQuantize>(op));

  auto compiled_fp = compile(fp32);
  auto compiled_q = compile(result.model);
  const auto executed = torchvino::executed_layers(compiled_q);
  int convolutions = 0, fully_connected = 0;
  for (const auto& l : executed) {
    convolutions += l.layer_type == "Convolution";
    fully_connected += l.layer_type == "FullyConnected";
  }
  EXPECT_EQ(convolutions, 2);
  EXPECT_EQ(fully_connected, 1);
  for (const auto& l : torchvino::non_int8_layers(executed))
    ADD_FAILURE() << l.name << " (" << l.layer_type << ") runs in " << l.runtime_precision;
  // The FP32 model's layers are the check's negative control.
  EXPECT_EQ(torchvino::non_int8_layers(torchvino::executed_layers(compiled_fp)).size(), 3u);

  const auto test = smooth_images(64, 3, 16, 12);
  const auto expected = run(compiled_fp, test);
  const auto got = run(compiled_q, test);
  const double relative = ((got - expected).norm() / expected.norm()).item<double>();
  std::cout << "[ figures  ] INT8 vs FP32 relative output error " << relative << ", top-1 agreement "
            << (got.argmax(1) == expected.argmax(1)).to(torch::kFloat).mean().item<double>() << "\n";
  // NNCF's default estimator averages per-image maxima, so the largest activations of this
  // untrained net are clipped: ≈5 % here, ≈1.5 % with minmax (next test).
  EXPECT_LT(relative, 0.08);
  EXPECT_GT(relative, 1e-5);  // it is really quantized

  TempDir dir;
  ov::save_model(fp32, dir / "fp32.xml", false);
  ov::save_model(result.model, dir / "int8.xml", false);
  const double ratio = static_cast<double>(std::filesystem::file_size(dir / "int8.bin")) /
                       static_cast<double>(std::filesystem::file_size(dir / "fp32.bin"));
  std::cout << "[ figures  ] .bin size INT8/FP32 " << ratio << "\n";
  EXPECT_LE(ratio, 0.30);

  auto reread = torchvino::openvino_core().read_model((dir / "int8.xml").string());
  EXPECT_EQ(reread->get_rt_info<std::string>("torchvino", "quantization", "preset"), "performance");
  EXPECT_EQ(reread->get_rt_info<std::string>("torchvino", "quantization", "range_estimator"), "mean_minmax");
  EXPECT_EQ(reread->get_rt_info<std::string>("torchvino", "quantization", "subset_size"), "32");
}

// What the converter emits for ResNet-style nets: folded BatchNorm biases, a residual Add, a
// depthwise GroupConvolution, global average pooling (ReduceMean) before the classifier.
std::shared_ptr<ov::Model> residual_net() {
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 16, 16});
  auto stem = std::make_shared<ov::op::v0::Relu>(conv_bias(x, 3, 16, 31, "stem"));
  auto inner = std::make_shared<ov::op::v0::Relu>(conv_bias(stem, 16, 16, 32, "block.conv1"));
  auto sum = std::make_shared<ov::op::v1::Add>(conv_bias(inner, 16, 16, 33, "block.conv2"), stem);
  auto block = std::make_shared<ov::op::v0::Relu>(sum);
  auto dw = std::make_shared<ov::op::v1::GroupConvolution>(block, he_weights({16, 1, 1, 3, 3}, 9, 34),
                                                           ov::Strides{2, 2}, ov::CoordinateDiff{1, 1},
                                                           ov::CoordinateDiff{1, 1}, ov::Strides{1, 1});
  dw->set_friendly_name("depthwise");
  auto dw_out = std::make_shared<ov::op::v0::Relu>(std::make_shared<ov::op::v1::Add>(dw, small_bias({1, 16, 1, 1}, 35)));
  auto pooled = std::make_shared<ov::op::v1::ReduceMean>(
      dw_out, Constant::create(ov::element::i64, {2}, std::vector<int64_t>{2, 3}), false);
  auto fc = std::make_shared<ov::op::v0::MatMul>(pooled, he_weights({10, 16}, 16, 36), false, true);
  fc->set_friendly_name("fc");
  auto logits = std::make_shared<ov::op::v1::Add>(fc, small_bias({10}, 37));
  return std::make_shared<ov::Model>(ov::OutputVector{logits}, ov::ParameterVector{x});
}

TEST(QuantizePipeline, ResidualNetRunsInt8WithAndWithoutQuantizedAdds) {
  auto fp32 = residual_net();
  const auto data = dataset_of(smooth_images(32, 3, 16, 41));
  const auto test = smooth_images(32, 3, 16, 42);
  auto compiled_fp = compile(fp32);
  const auto expected = run(compiled_fp, test);
  for (bool adds : {false, true}) {
    torchvino::QuantizeOptions options;
    options.subset_size = 32;
    options.quantize_residual_adds = adds;
    options.quantize_pooling = adds;
    auto result = torchvino::quantize(fp32, data, options);
    EXPECT_EQ(result.layers.size(), 5u);
    EXPECT_EQ(result.weight_quantizers, 5);
    // input, stem relu (conv1 + shortcut when adds), inner relu, block relu, dw relu, pooled;
    // with adds and pooling (the default) also the conv2 branch output and the pooling input.
    EXPECT_EQ(result.activation_quantizers, adds ? 7 : 5);
    auto compiled = compile(result.model);
    const auto executed = torchvino::executed_layers(compiled);
    for (const auto& l : torchvino::non_int8_layers(executed))
      ADD_FAILURE() << (adds ? "adds: " : "") << l.name << " (" << l.layer_type << ") runs in " << l.runtime_precision;
    const auto got = run(compiled, test);
    const double relative = ((got - expected).norm() / expected.norm()).item<double>();
    std::cout << "[ figures  ] residual net" << (adds ? " (quantized adds)" : "") << ": relative error " << relative
              << "\n";
    // Averaged per-image maxima clip this untrained net hard (≈13 %); minmax below shows the
    // quantization itself is fine.
    EXPECT_LT(relative, 0.2);
  }
  torchvino::QuantizeOptions options;
  options.subset_size = 32;
  options.range_estimator = torchvino::RangeEstimator::MinMax;
  auto result = torchvino::quantize(fp32, data, options);
  auto compiled = compile(result.model);
  const double relative = ((run(compiled, test) - expected).norm() / expected.norm()).item<double>();
  std::cout << "[ figures  ] residual net, minmax: relative error " << relative << "\n";
  EXPECT_LT(relative, 0.04);
}

TEST(QuantizePipeline, MixedPresetAndOtherEstimatorsAlsoRunInt8) {
  auto fp32 = small_cnn();
  const auto data = dataset_of(smooth_images(16, 3, 16, 13));
  const auto test = smooth_images(32, 3, 16, 14);
  auto compiled_fp = compile(fp32);
  const auto expected = run(compiled_fp, test);
  for (const auto& [preset, estimator] : std::vector<std::pair<std::string, std::string>>{
           {"mixed", "mean_minmax"}, {"performance", "minmax"}, {"performance", "quantile"}}) {
    torchvino::QuantizeOptions options;
    options.subset_size = 16;
    options.batch_size = 4;
    options.preset = torchvino::parse<torchvino::Preset>(preset);
    options.range_estimator = torchvino::parse<torchvino::RangeEstimator>(estimator);
    auto result = torchvino::quantize(fp32, data, options);
    EXPECT_EQ(result.calibration_samples, 4);
    auto compiled = compile(result.model);
    EXPECT_TRUE(torchvino::non_int8_layers(torchvino::executed_layers(compiled)).empty()) << preset << "/" << estimator;
    const auto got = run(compiled, test);
    const double relative = ((got - expected).norm() / expected.norm()).item<double>();
    std::cout << "[ figures  ] " << preset << "/" << estimator << ": relative error " << relative << "\n";
    EXPECT_LT(relative, estimator == "minmax" ? 0.03 : 0.05) << preset << "/" << estimator;
  }
}

TEST(QuantizePipeline, UncompressedWeightsKeepFakeQuantizeAndTheSameNumbers) {
  auto fp32 = small_cnn();
  const auto data = dataset_of(smooth_images(8, 3, 16, 15));
  torchvino::QuantizeOptions options;
  options.subset_size = 8;
  auto compressed = torchvino::quantize(fp32, data, options);
  options.compress_weights = false;
  auto plain = torchvino::quantize(fp32, data, options);
  int fake_quantizes = 0;
  for (const auto& op : plain.model->get_ops()) fake_quantizes += ov::is_type<ov::op::v0::FakeQuantize>(op);
  EXPECT_EQ(fake_quantizes, 6);  // 3 activations + 3 weights
  auto a = compile(compressed.model);
  auto b = compile(plain.model);
  const auto test = smooth_images(8, 3, 16, 16);
  EXPECT_LT((run(a, test) - run(b, test)).abs().max().item<float>(), 1e-3f);
}

TEST(QuantizePipeline, RejectsBadOptionsNamingTheField) {
  auto fp32 = small_cnn();
  const auto data = dataset_of(smooth_images(4, 3, 16, 1));
  EXPECT_THROW(torchvino::parse<torchvino::Preset>("turbo"), torchvino::Error);
  EXPECT_THROW(torchvino::parse<torchvino::RangeEstimator>("median"), torchvino::Error);
  torchvino::QuantizeOptions options;
  options.subset_size = 0;
  try {
    torchvino::quantize(fp32, data, options);
    ADD_FAILURE() << "subset_size 0 accepted";
  } catch (const torchvino::Error& e) {
    EXPECT_NE(std::string(e.what()).find("subset_size: 0 must be at least 1"), std::string::npos) << e.what();
  }
  options = {};
  options.quantile = 0.7;
  EXPECT_THROW(torchvino::quantize(fp32, data, options), torchvino::Error);
  // The library applies the limits the flags and config keys have: -5 was accepted here before.
  options = {};
  options.smooth_quant_alpha = -5;
  try {
    torchvino::quantize(fp32, data, options);
    ADD_FAILURE() << "smooth_quant_alpha -5 accepted";
  } catch (const torchvino::Error& e) {
    EXPECT_EQ(e.option(), "smooth_quant_alpha");
  }
  EXPECT_THROW(torchvino::quantize(fp32, dataset_of(torch::zeros({0, 3, 16, 16})), {}), std::exception);
}

// One conv with few input taps on inputs with a large mean: weight rounding then shifts every
// output channel's mean by (W − Wq)·E[x], which bias correction should remove.
TEST(QuantizePipeline, FastBiasCorrectionReducesPerChannelMeanError) {
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 4, 8, 8});
  auto conv = std::make_shared<ov::op::v1::Convolution>(x, he_weights({8, 4, 1, 1}, 4, 21), ov::Strides{1, 1},
                                                        ov::CoordinateDiff{0, 0}, ov::CoordinateDiff{0, 0},
                                                        ov::Strides{1, 1});
  auto out = std::make_shared<ov::op::v1::Add>(conv, small_bias({1, 8, 1, 1}, 22));
  auto fp32 = std::make_shared<ov::Model>(ov::OutputVector{out}, ov::ParameterVector{x});
  const auto calibration = dataset_of(smooth_images(32, 4, 8, 23, 3.0));
  const auto test = smooth_images(64, 4, 8, 24, 3.0);

  torchvino::QuantizeOptions options;
  options.subset_size = 32;
  options.range_estimator = torchvino::RangeEstimator::MinMax;  // no clipping: what is left is rounding
  options.bias_correction = torchvino::BiasCorrection::None;
  auto plain = torchvino::quantize(fp32, calibration, options);
  options.bias_correction = torchvino::BiasCorrection::Fast;
  auto corrected = torchvino::quantize(fp32, calibration, options);
  ASSERT_EQ(corrected.layers.size(), 1u);
  EXPECT_TRUE(corrected.layers[0].bias_corrected);
  EXPECT_FALSE(plain.layers[0].bias_corrected);

  auto compiled_fp = compile(fp32);
  auto compiled_plain = compile(plain.model);
  auto compiled_corrected = compile(corrected.model);
  const auto expected = run(compiled_fp, test);
  auto channel_error = [&](ov::CompiledModel& c) {
    return (run(c, test) - expected).mean(std::vector<int64_t>{0, 2, 3}).abs();
  };
  const auto before = channel_error(compiled_plain);
  const auto after = channel_error(compiled_corrected);
  std::cout << "[ figures  ] mean |per-channel mean error| before " << before.mean().item<double>() << ", after "
            << after.mean().item<double>() << "\n";
  EXPECT_LT(after.mean().item<double>(), 0.5 * before.mean().item<double>());
  EXPECT_LT(after.max().item<double>(), before.max().item<double>());
}

// Three 3×3 convolutions: errors of the first layers reach the last one. Full bias correction
// measures the quantized model layer by layer, so the last layer's bias absorbs what the layers
// before it pass on; fast bias correction only sees each layer's own weight rounding.
TEST(QuantizePipeline, FullBiasCorrectionRemovesTheOutputMeanErrorBest) {
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 16, 16});
  auto h = std::make_shared<ov::op::v0::Relu>(conv_bias(x, 3, 8, 51, "c1"));
  auto h2 = std::make_shared<ov::op::v0::Relu>(conv_bias(h, 8, 8, 52, "c2"));
  auto out = conv_bias(h2, 8, 8, 53, "c3");
  auto fp32 = std::make_shared<ov::Model>(ov::OutputVector{out}, ov::ParameterVector{x});
  const auto calibration = dataset_of(smooth_images(64, 3, 16, 54, 2.0));
  const auto test = smooth_images(64, 3, 16, 55, 2.0);
  auto compiled_fp = compile(fp32);
  const auto expected = run(compiled_fp, test);

  std::map<std::string, double> error;
  std::vector<std::pair<int64_t, int64_t>> progress;
  for (const auto mode : {torchvino::BiasCorrection::None, torchvino::BiasCorrection::Fast,
                          torchvino::BiasCorrection::Full}) {
    torchvino::QuantizeOptions options;
    options.subset_size = 64;
    options.bias_correction = mode;
    options.on_progress = [&](const std::string& stage, int64_t done, int64_t total) {
      if (stage == "bias correction") progress.emplace_back(done, total);
    };
    auto r = torchvino::quantize(fp32, calibration, options);
    int corrected = 0;
    for (const auto& l : r.layers) corrected += l.bias_corrected;
    EXPECT_EQ(corrected, mode == torchvino::BiasCorrection::None ? 0 : 3) << to_string(mode);
    EXPECT_EQ(r.model->get_rt_info<std::string>("torchvino", "quantization", "bias_correction"), to_string(mode));
    auto compiled = compile(r.model);
    EXPECT_TRUE(torchvino::non_int8_layers(torchvino::executed_layers(compiled)).empty()) << to_string(mode);
    error[to_string(mode)] =
        (run(compiled, test) - expected).mean(std::vector<int64_t>{0, 2, 3}).abs().mean().item<double>();
  }
  std::cout << "[ figures  ] mean |per-channel output mean error|: none " << error["none"] << ", fast "
            << error["fast"] << ", full " << error["full"] << "\n";
  // Only the full correction reports layers, one by one.
  EXPECT_EQ(progress, (std::vector<std::pair<int64_t, int64_t>>{{1, 3}, {2, 3}, {3, 3}}));
  EXPECT_LT(error["full"], 0.5 * error["none"]);
  EXPECT_LT(error["full"], error["fast"]);
}

}  // namespace

namespace {

// Largest |stored int8 weight| of layer `name`, from its Constant(i8) → Convert → Multiply.
int max_stored_weight(const std::shared_ptr<ov::Model>& model, const std::string& name) {
  for (const auto& op : model->get_ops()) {
    if (op->get_friendly_name() != name + "/weights_i8") continue;
    auto c = ov::as_type_ptr<Constant>(op);
    if (!c || c->get_element_type() != ov::element::i8) break;
    int top = 0;
    for (const int8_t v : c->cast_vector<int8_t>()) top = std::max(top, std::abs(static_cast<int>(v)));
    return top;
  }
  ADD_FAILURE() << "no int8 weights for " << name;
  return -1;
}

int weight_bits(const torchvino::QuantizeResult& r, const std::string& name) {
  for (const auto& l : r.layers)
    if (l.name == name) return l.weight_bits;
  ADD_FAILURE() << "no layer " << name;
  return -1;
}

}  // namespace

TEST(QuantizeOverflowFix, CpuVnniDetectionAgreesWithTheKernel) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  if (!cpuinfo) GTEST_SKIP() << "no /proc/cpuinfo to compare with";
  std::string line;
  bool listed = false;
  while (std::getline(cpuinfo, line))
    if (line.rfind("flags", 0) == 0) {
      listed = line.find(" avx512_vnni") != std::string::npos || line.find(" avx_vnni") != std::string::npos;
      break;
    }
  EXPECT_EQ(torchvino::cpu_has_vnni(), listed);
}

TEST(QuantizeOverflowFix, FirstLayerGetsSevenBitWeightsByDefaultOnVnni) {
  if (!torchvino::cpu_has_vnni()) GTEST_SKIP() << "no VNNI here: auto means every layer (next test covers it)";
  auto fp32 = small_cnn();
  const auto data = dataset_of(smooth_images(16, 3, 16, 21));
  torchvino::QuantizeOptions options;
  options.subset_size = 16;
  auto r = torchvino::quantize(fp32, data, options);
  EXPECT_EQ(r.overflow_fix, torchvino::OverflowFix::FirstLayer);
  EXPECT_EQ(weight_bits(r, "conv1"), 7);
  EXPECT_EQ(weight_bits(r, "conv2"), 8);
  EXPECT_EQ(weight_bits(r, "fc"), 8);
  // Per-channel scales put each channel's largest weight on the top level: 127 on the 8-bit
  // grid; on the 7-bit one (codes −63…64, as NNCF's) it sits on the tie 63.5.
  EXPECT_GE(max_stored_weight(r.model, "conv1"), 63);
  EXPECT_LE(max_stored_weight(r.model, "conv1"), 64);
  EXPECT_EQ(max_stored_weight(r.model, "conv2"), 127);
  EXPECT_EQ(max_stored_weight(r.model, "fc"), 127);
  EXPECT_EQ(r.model->get_rt_info<std::string>("torchvino", "quantization", "overflow_fix"), "first_layer");
  EXPECT_TRUE(r.notes.empty());
}

TEST(QuantizeOverflowFix, EnableAndDisableCoverEveryLayerAndStillRunInt8) {
  auto fp32 = small_cnn();
  const auto data = dataset_of(smooth_images(16, 3, 16, 21));
  const auto test = smooth_images(32, 3, 16, 22);
  auto compiled_fp = compile(fp32);
  const auto expected = run(compiled_fp, test);
  torchvino::QuantizeOptions options;
  options.subset_size = 16;
  std::map<std::string, double> error;
  for (const std::string mode : {"enable", "disable"}) {
    options.overflow_fix = torchvino::parse<torchvino::OverflowFix>(mode);
    auto r = torchvino::quantize(fp32, data, options);
    EXPECT_EQ(to_string(r.overflow_fix), mode);
    for (const std::string name : {"conv1", "conv2", "fc"}) {
      EXPECT_EQ(weight_bits(r, name), mode == "enable" ? 7 : 8) << mode << " " << name;
      const int top = max_stored_weight(r.model, name);
      if (mode == "enable")
        EXPECT_TRUE(top == 63 || top == 64) << name << ": " << top;
      else
        EXPECT_EQ(top, 127) << name;
    }
    auto compiled = compile(r.model);
    EXPECT_TRUE(torchvino::non_int8_layers(torchvino::executed_layers(compiled)).empty()) << mode;
    const auto got = run(compiled, test);
    error[mode] = ((got - expected).norm() / expected.norm()).item<double>();
  }
  std::cout << "[ figures  ] relative output error, 7-bit weights everywhere " << error["enable"] << ", 8-bit "
            << error["disable"] << "\n";
  EXPECT_LT(error["enable"], 0.1);          // still a faithful model ...
  EXPECT_GT(error["enable"], error["disable"]);  // ... but coarser weights cost something
  EXPECT_THROW(torchvino::parse<torchvino::OverflowFix>("sometimes"), torchvino::Error);
}

TEST(QuantizeOverflowFix, FirstLayersAreTheOnesReachedFromTheInput) {
  // x → a → relu ─┐
  // x → b → relu ─┴→ add → c: a and b read the input, c does not.
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 16, 16});
  auto a = std::make_shared<ov::op::v0::Relu>(conv_bias(x, 3, 8, 41, "a"));
  auto b = std::make_shared<ov::op::v0::Relu>(conv_bias(x, 3, 8, 42, "b"));
  auto c = conv_bias(std::make_shared<ov::op::v1::Add>(a, b), 8, 8, 43, "c");
  auto model = std::make_shared<ov::Model>(ov::OutputVector{c}, ov::ParameterVector{x});
  torchvino::QuantizeOptions options;
  options.subset_size = 8;
  options.overflow_fix = torchvino::OverflowFix::FirstLayer;
  auto r = torchvino::quantize(model, dataset_of(smooth_images(8, 3, 16, 44)), options);
  EXPECT_EQ(weight_bits(r, "a"), 7);
  EXPECT_EQ(weight_bits(r, "b"), 7);
  EXPECT_EQ(weight_bits(r, "c"), 8);
}

namespace {

// 1×1 convolution + bias, as the converter emits ShuffleNet's pointwise layers.
std::shared_ptr<ov::Node> pointwise(const ov::Output<ov::Node>& x, int64_t in, int64_t out, int seed,
                                    const std::string& name) {
  auto c = std::make_shared<ov::op::v1::Convolution>(x, he_weights({out, in, 1, 1}, in, seed), ov::Strides{1, 1},
                                                     ov::CoordinateDiff{0, 0}, ov::CoordinateDiff{0, 0},
                                                     ov::Strides{1, 1});
  c->set_friendly_name(name);
  return std::make_shared<ov::op::v1::Add>(c, small_bias({1, static_cast<size_t>(out), 1, 1}, seed + 100));
}

// ShuffleNetV2's stride-1 unit: split the channels in two, run one half through 1×1 → 3×3
// depthwise (no ReLU) → 1×1, concatenate with the other half, shuffle the channels
// (Reshape → Transpose → Reshape).
ov::Output<ov::Node> shuffle_unit(const ov::Output<ov::Node>& x, int64_t channels, int seed, const std::string& name) {
  const int64_t half = channels / 2;
  auto split = std::make_shared<ov::op::v1::Split>(x, Constant::create(ov::element::i64, {}, {1}), 2);
  auto a = std::make_shared<ov::op::v0::Relu>(pointwise(split->output(1), half, half, seed, name + ".pw1"));
  auto dw = std::make_shared<ov::op::v1::GroupConvolution>(
      a, he_weights({half, 1, 1, 3, 3}, 9, seed + 1), ov::Strides{1, 1}, ov::CoordinateDiff{1, 1},
      ov::CoordinateDiff{1, 1}, ov::Strides{1, 1});
  dw->set_friendly_name(name + ".dw");
  auto dw_out = std::make_shared<ov::op::v1::Add>(dw, small_bias({1, static_cast<size_t>(half), 1, 1}, seed + 2));
  auto b = std::make_shared<ov::op::v0::Relu>(pointwise(dw_out, half, half, seed + 3, name + ".pw2"));
  auto concat = std::make_shared<ov::op::v0::Concat>(ov::OutputVector{split->output(0), b}, 1);
  concat->set_friendly_name(name + ".concat");
  auto grouped = std::make_shared<ov::op::v1::Reshape>(
      concat, Constant::create(ov::element::i64, {5}, std::vector<int64_t>{0, 2, half, 8, 8}), true);
  auto swapped = std::make_shared<ov::op::v1::Transpose>(
      grouped, Constant::create(ov::element::i64, {5}, std::vector<int64_t>{0, 2, 1, 3, 4}));
  return std::make_shared<ov::op::v1::Reshape>(
      swapped, Constant::create(ov::element::i64, {4}, std::vector<int64_t>{0, channels, 8, 8}), true);
}

TEST(QuantizePipeline, ShuffleNetUnitsRunEveryConvolutionInInt8) {
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 8, 8});
  auto stem = std::make_shared<ov::op::v0::Relu>(pointwise(x, 3, 32, 51, "stem"));
  auto h = shuffle_unit(stem, 32, 52, "unit1");
  h = shuffle_unit(h, 32, 56, "unit2");
  auto last = std::make_shared<ov::op::v0::Relu>(pointwise(h, 32, 16, 60, "last"));
  auto fp32 = std::make_shared<ov::Model>(ov::OutputVector{last}, ov::ParameterVector{x});

  torchvino::QuantizeOptions options;
  options.subset_size = 16;
  auto result = torchvino::quantize(fp32, dataset_of(smooth_images(16, 3, 8, 61)), options);
  EXPECT_EQ(result.layers.size(), 8u);
  for (const auto& layer : result.layers) EXPECT_TRUE(layer.int8) << layer.name << ": " << layer.reason;
  EXPECT_TRUE(result.fp32_ops.empty());
  // Input, stem (above the first Split, shared through both units' identity halves), and per
  // unit: pw1 output, depthwise output, pw2 output. None on a Split, Concat or shuffle.
  EXPECT_EQ(result.activation_quantizers, 8);
  for (const auto& op : result.model->get_ops()) {
    if (!ov::is_type<ov::op::v0::FakeQuantize>(op)) continue;
    const std::string producer = op->get_input_node_ptr(0)->get_type_name();
    EXPECT_TRUE(producer != "Split" && producer != "Concat" && producer != "Reshape" && producer != "Transpose")
        << op->get_friendly_name() << " reads a " << producer;
  }

  auto compiled = compile(result.model);
  const auto executed = torchvino::executed_layers(compiled);
  int compute = 0;
  for (const auto& l : executed) compute += torchvino::is_compute_layer(l);
  EXPECT_GE(compute, 8);
  for (const auto& l : torchvino::non_int8_layers(executed))
    ADD_FAILURE() << l.name << " (" << l.layer_type << ") runs in " << l.runtime_precision;
  const auto test = smooth_images(8, 3, 8, 62);
  auto compiled_fp = compile(fp32);
  const auto expected = run(compiled_fp, test);
  const double relative = ((run(compiled, test) - expected).norm() / expected.norm()).item<double>();
  std::cout << "[ figures  ] ShuffleNet units: relative error " << relative << "\n";
  EXPECT_LT(relative, 0.15);
}

}  // namespace
