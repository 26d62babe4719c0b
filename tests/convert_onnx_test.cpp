// The ONNX → OpenVINO path, and the direct path fed with a PyTorch state dict; fixtures made
// by tests/fixtures/make_convert_fixtures.py.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <iterator>
#include <map>

#include "convert_support.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/models.hpp"
#include "torchvino/quantize.hpp"

using convert_test::fixtures;
using convert_test::op_counts;
using convert_test::relative_error;
using convert_test::Runner;

namespace {
c10::Dict<c10::IValue, c10::IValue> load_pickle(const std::string& name) {
  std::ifstream in(fixtures() / name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return torch::pickle_load(bytes).toGenericDict();
}

struct Reference {
  torch::Tensor input, logits;
};
Reference reference(const std::string& name = "convnet_io.pt") {
  auto io = load_pickle(name);
  return {io.at("input").toTensor(), io.at("logits").toTensor()};
}

// The recipe of the fixture's input (smooth_images in make_convert_fixtures.py), other seeds:
// calibration data from the distribution the reference logits come from.
torch::Tensor smooth_images(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  namespace F = torch::nn::functional;
  const auto options = F::InterpolateFuncOptions()
                           .size(std::vector<int64_t>{32, 32})
                           .mode(torch::kBilinear)
                           .align_corners(false);
  const auto fine = F::interpolate(torch::randn({n, 3, 8, 8}), options);
  return (fine + torch::randn({n, 3, 1, 1})).contiguous();
}

double argmax_agreement(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.argmax(1) == b.argmax(1)).to(torch::kDouble).mean().item<double>();
}
}  // namespace

TEST(OnnxConversion, ReadsPyTorchExportAndReproducesItsLogits) {
  const auto ref = reference();
  ASSERT_EQ(ref.input.sizes(), (c10::IntArrayRef{3, 1, 28, 28}));
  auto model = torchvino::read_model_file(fixtures() / "convnet.onnx");
  EXPECT_EQ(model->input().get_any_name(), "input");
  EXPECT_EQ(model->output().get_any_name(), "logits");
  EXPECT_TRUE(model->input().get_partial_shape()[0].is_dynamic());
  Runner runner(model);
  const double err = relative_error(runner.run(ref.input), ref.logits);
  std::cout << "  [parity] ONNX vs PyTorch logits: " << err << "\n";
  EXPECT_LE(err, 1e-4);
  // The batch is dynamic: one image alone gives its row of the batched result.
  EXPECT_LE(relative_error(runner.run(ref.input.slice(0, 1, 2)), ref.logits.slice(0, 1, 2)), 1e-4);
}

TEST(OnnxConversion, PyTorchStateDictLoadsByNameAndConvertsToTheSameLogits) {
  const auto ref = reference();
  auto state = load_pickle("convnet_state_dict.pt");
  auto model = torchvino::create_model({"convnet", 1, 10, 28});
  torch::NoGradGuard no_grad;
  size_t loaded = 0;
  auto copy = [&](const std::string& name, torch::Tensor& target) {
    ASSERT_TRUE(state.contains(name)) << name << " not in the PyTorch state dict";
    auto value = state.at(name).toTensor();
    ASSERT_EQ(value.sizes(), target.sizes()) << name;
    target.copy_(value);
    ++loaded;
  };
  for (auto& p : model.module().named_parameters()) copy(p.key(), p.value());
  for (auto& b : model.module().named_buffers()) copy(b.key(), b.value());
  EXPECT_EQ(loaded, state.size()) << "same names on both sides";
  model.module().eval();

  EXPECT_LE(relative_error(model.forward(ref.input), ref.logits), 1e-4) << "LibTorch itself";
  const double err = relative_error(Runner(torchvino::to_openvino(model)).run(ref.input), ref.logits);
  std::cout << "  [parity] direct conversion vs PyTorch logits: " << err << "\n";
  EXPECT_LE(err, 1e-4);
}

// A ResNet built from torchvision's BasicBlock and Bottleneck, exported with the dynamo
// exporter: identity and projection shortcuts (one strided), 7×7 stem, max pool, global pooling.
TEST(OnnxConversion, ReadsPyTorchResNetExportAndReproducesItsLogits) {
  const auto ref = reference("resnet_small_io.pt");
  ASSERT_EQ(ref.input.sizes(), (c10::IntArrayRef{4, 3, 32, 32}));
  auto model = torchvino::read_model_file(fixtures() / "resnet_small.onnx");
  EXPECT_EQ(model->input().get_any_name(), "input");
  EXPECT_EQ(model->output().get_any_name(), "logits");
  EXPECT_TRUE(model->input().get_partial_shape()[0].is_dynamic());
  auto counts = op_counts(*model);
  // Stem 1, BasicBlocks 2 + 2 + downsample 1, Bottlenecks 3 + projection 1 + 3.
  EXPECT_EQ(counts["Convolution"], 13);
  EXPECT_EQ(counts["MatMul"], 1);
  Runner runner(model);
  const double err = relative_error(runner.run(ref.input), ref.logits);
  std::cout << "  [parity] ONNX ResNet vs PyTorch logits: " << err << "\n";
  EXPECT_LE(err, 1e-4);
  EXPECT_LE(relative_error(runner.run(ref.input.slice(0, 2, 3)), ref.logits.slice(0, 2, 3)), 1e-4);
}

TEST(OnnxConversion, PyTorchResNetExportQuantizesAndRunsInt8) {
  const auto ref = reference("resnet_small_io.pt");
  auto fp32 = torchvino::read_model_file(fixtures() / "resnet_small.onnx");
  auto counts = op_counts(*fp32);
  const int weighted = counts["Convolution"] + counts["MatMul"];
  ASSERT_EQ(weighted, 14);
  Runner fp32_runner(fp32);
  const auto test = smooth_images(256, 12);
  const auto expected = fp32_runner.run(test);
  const auto classes = (torch::bincount(expected.argmax(1), {}, 10) > 0).sum().item<int64_t>();
  EXPECT_GE(classes, 5) << "argmax agreement means little if every image gets the same class";

  torchvino::Dataset calibration;
  calibration.images = smooth_images(64, 11);
  calibration.labels = torch::zeros({64}, torch::kInt64);
  std::map<std::string, double> fixture_err, test_err, fixture_agree, test_agree;
  // The default estimator (as the CLI runs it), then minmax: averaged per-image maxima clip
  // this untrained net's activations to about half their range, so only minmax isolates the
  // error of 8-bit arithmetic itself.
  for (const std::string estimator : {"mean_minmax", "minmax"}) {
    torchvino::QuantizeOptions options;
    options.subset_size = 64;
    options.range_estimator = torchvino::parse<torchvino::RangeEstimator>(estimator);
    const auto result = torchvino::quantize(fp32, calibration, options);
    EXPECT_EQ(result.calibration_samples, 64);
    EXPECT_EQ(result.weight_quantizers, weighted);
    // Input, stem max pool, the 9 ReLUs that feed convolutions, the pooled features; then, as
    // NNCF does for CNNs, the residual Adds' other inputs (4 branch outputs, 2 projection
    // shortcuts; identity shortcuts share the next conv's quantizer) and the pooling input.
    EXPECT_EQ(result.activation_quantizers, 19);
    ASSERT_EQ(static_cast<int>(result.layers.size()), weighted);
    int corrected = 0;
    for (const auto& layer : result.layers) {
      EXPECT_TRUE(layer.int8) << estimator << " " << layer.name << ": " << layer.reason;
      corrected += layer.bias_corrected;
    }
    // The ONNX reader computes bias shapes with shape subgraphs; folded, every conv's bias is
    // a constant that fast bias correction finds.
    EXPECT_GE(corrected, 13) << estimator;

    Runner int8_runner(result.model);
    const auto executed = torchvino::executed_layers(int8_runner.compiled());
    int convolutions = 0, fully_connected = 0;
    for (const auto& l : executed) {
      convolutions += l.layer_type == "Convolution";
      fully_connected += l.layer_type == "FullyConnected";
    }
    EXPECT_EQ(convolutions, 13) << estimator;
    EXPECT_EQ(fully_connected, 1) << estimator;
    for (const auto& l : torchvino::non_int8_layers(executed))
      ADD_FAILURE() << estimator << " " << l.name << " (" << l.layer_type << ") runs in "
                    << l.runtime_precision;

    const auto fixture_logits = int8_runner.run(ref.input);
    const auto test_logits = int8_runner.run(test);
    fixture_err[estimator] = relative_error(fixture_logits, ref.logits);
    fixture_agree[estimator] = argmax_agreement(fixture_logits, ref.logits);
    test_err[estimator] = ((test_logits - expected).norm() / expected.norm()).item<double>();
    test_agree[estimator] = argmax_agreement(test_logits, expected);
    std::cout << "  [parity] INT8 (" << estimator << ") vs FP32: fixture " << fixture_err[estimator]
              << " of max |logit|, same argmax " << fixture_agree[estimator]
              << "; 256 images: relative RMS error " << test_err[estimator] << ", same argmax "
              << test_agree[estimator] << "\n";
  }
  // The negative control: the FP32 model's layers are reported as not 8-bit.
  EXPECT_EQ(torchvino::non_int8_layers(torchvino::executed_layers(fp32_runner.compiled())).size(), 14u);

  EXPECT_LE(fixture_err["minmax"], 0.1);
  EXPECT_GE(fixture_agree["minmax"], 0.75);
  EXPECT_LE(test_err["minmax"], 0.12);
  EXPECT_GT(test_err["minmax"], 1e-5);  // it is really quantized
  // 0.97 on a CPU with VNNI; 0.93 with 7-bit weights everywhere, as on CPUs without it.
  EXPECT_GE(test_agree["minmax"], 0.85);
  // Clipped, yet still a model of the same function, not noise.
  EXPECT_LE(test_err["mean_minmax"], 0.8);
  EXPECT_GE(test_agree["mean_minmax"], 0.6);
}
