// --mean, --std, --resize, --crop, --preprocess: how a model from elsewhere is fed. The model's own
// metadata wins over the dataset's normalisation, the flags over both, nonsense is refused naming
// the flag, and `convert --onnx` records what the flags say in the IR. --layout and --bgr make a
// channels-last or BGR model take N×C×H×W RGB.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <openvino/core/model.hpp>
#include <openvino/opsets/opset8.hpp>

#include <filesystem>
#include <fstream>

#include "cli/common.hpp"
#include "cli_runner.hpp"
#include "convert_support.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/ir_metadata.hpp"
#include "torchvino/runtime.hpp"

namespace fs = std::filesystem;
using namespace torchvino;
using torchvino::cli::apply_input_flags;
using torchvino::cli::InputFlags;

namespace {

// What Fashion-MNIST gives a 3×224×224 model: squashed to 224, its mean/std on every channel.
Preprocessing fashion_for_224() { return preprocessing_for_input(dataset_info("fashion-mnist"), 3, 224); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// y = x · 1 over a 1×C×S×S input: an IR with the given input.
std::shared_ptr<ov::Model> image_model(int64_t channels, int64_t size) {
  auto x = std::make_shared<ov::opset8::Parameter>(ov::element::f32,
                                                   ov::PartialShape{ov::Dimension::dynamic(), channels, size, size});
  auto y = std::make_shared<ov::opset8::Multiply>(x, ov::opset8::Constant::create(ov::element::f32, {}, {1.0f}));
  return std::make_shared<ov::Model>(ov::OutputVector{y}, ov::ParameterVector{x});
}

}  // namespace

TEST(InputFlags, TheModelsMetadataThenTheFlagsOverrideTheDataset) {
  const Preprocessing dataset = fashion_for_224();
  EXPECT_EQ(dataset.mean, (std::vector<float>{0.286f}));
  // Nothing given: the dataset's.
  EXPECT_EQ(apply_input_flags(dataset, {}, 3, 224).mean, dataset.mean);
  // The model's metadata.
  const Preprocessing from_model = apply_input_flags(dataset, {}, 3, 224, InputSpec{.mean = {0.5f, 0.4f, 0.3f}, .std = {0.2f, 0.2f, 0.2f}});
  EXPECT_EQ(from_model.mean, (std::vector<float>{0.5f, 0.4f, 0.3f}));
  EXPECT_EQ(from_model.std, (std::vector<float>{0.2f, 0.2f, 0.2f}));
  // The preset over the model, --std over the preset.
  InputFlags flags;
  flags.preset = InputPreset::ImageNet;
  flags.std = {0.25f};
  const Preprocessing p = apply_input_flags(dataset, flags, 3, 224, InputSpec{.mean = {0.5f, 0.4f, 0.3f}, .std = {0.2f, 0.2f, 0.2f}});
  EXPECT_EQ(p.mean, (std::vector<float>{0.485f, 0.456f, 0.406f}));
  EXPECT_EQ(p.std, (std::vector<float>{0.25f}));
  EXPECT_EQ(p.resize, 256);
  EXPECT_EQ(p.crop, 224);
  EXPECT_TRUE(p.keep_aspect);
  // --resize alone: shorter side, then the centre crop to the input.
  InputFlags resize;
  resize.resize = 240;
  const Preprocessing r = apply_input_flags(dataset, resize, 3, 224);
  EXPECT_EQ(r.resize, 240);
  EXPECT_EQ(r.crop, 224);
  EXPECT_TRUE(r.keep_aspect);
  EXPECT_EQ(r.mean, dataset.mean);
  // A 1-channel model takes the first value of a per-RGB statistic (luma).
  InputFlags rgb;
  rgb.mean = {0.485f, 0.456f, 0.406f};
  rgb.std = {0.229f, 0.224f, 0.225f};
  EXPECT_EQ(apply_input_flags(preprocessing_for_input(dataset_info("fashion-mnist"), 1, 28), rgb, 1, 28).mean,
            (std::vector<float>{0.485f}));
}

TEST(InputFlags, NonsenseIsRefusedNamingTheFlag) {
  const Preprocessing d = fashion_for_224();
  InputFlags f;
  f.mean = {123.675f, 116.28f, 103.53f};
  EXPECT_EQ(error_of([&] { apply_input_flags(d, f, 3, 224); }),
            "--mean: 123.675 is not a mean in [0, 1] on the 0–1 scale of pixel/255 (a 0–255 value? divide by 255: 0.485)");
  f = {};
  f.std = {0.0f};
  EXPECT_NE(error_of([&] { apply_input_flags(d, f, 3, 224); }).find("--std: 0 is not a standard deviation"),
            std::string::npos);
  f = {};
  f.std = {std::nanf("")};
  EXPECT_NE(error_of([&] { apply_input_flags(d, f, 3, 224); }).find("--std: nan"), std::string::npos);
  f = {};
  f.mean = {0.1f, 0.2f};
  EXPECT_EQ(error_of([&] { apply_input_flags(d, f, 3, 224); }), "--mean: 2 values for a 3-channel input (give 1 or 3)");
  f = {};
  f.crop = 200;
  EXPECT_EQ(error_of([&] { apply_input_flags(d, f, 3, 224); }),
            "--crop 200: the model's input is 224×224; the crop must be that size");
  f = {};
  f.resize = 100;
  EXPECT_NE(error_of([&] { apply_input_flags(d, f, 3, 224); }).find("--resize 100: smaller than the model's 224×224"),
            std::string::npos);
}

TEST(InputFlags, AnIrIsFedAsItsMetadataSays) {
  auto model = image_model(3, 32);
  IrMetadata m;
  m.input = {.height = 32, .width = 32, .channels = 3, .layout = "NCHW", .mean = {0.5f}, .std = {0.25f}};
  write_ir_metadata(*model, m);
  const DatasetOptions d = cli::dataset_for_model("fashion-mnist", "", *model, {});
  ASSERT_TRUE(d.preprocessing);
  EXPECT_EQ(d.preprocessing->mean, (std::vector<float>{0.5f}));
  EXPECT_EQ(d.preprocessing->std, (std::vector<float>{0.25f}));
  EXPECT_EQ(d.preprocessing->channels, 3);
  // Without metadata, the dataset's normalisation.
  const DatasetOptions plain = cli::dataset_for_model("fashion-mnist", "", *image_model(3, 32), {});
  EXPECT_EQ(plain.preprocessing->mean, (std::vector<float>{0.286f}));
  EXPECT_EQ(plain.preprocessing->interpolation, Interpolation::Bilinear);  // torchvision's default
  EXPECT_TRUE(plain.preprocessing->antialias);
}

// How images are resized: the flags, else the model's metadata, else bilinear antialiased.
TEST(InputFlags, InterpolationAndAntialiasComeFromTheFlagsElseTheModel) {
  auto model = image_model(3, 32);
  IrMetadata m;
  m.input.interpolation = Interpolation::Bicubic;
  m.input.antialias = false;
  write_ir_metadata(*model, m);
  const DatasetOptions recorded = cli::dataset_for_model("folder", "", *model, {});
  EXPECT_EQ(recorded.preprocessing->interpolation, Interpolation::Bicubic);
  EXPECT_FALSE(recorded.preprocessing->antialias);
  InputFlags flags;
  flags.interpolation = Interpolation::Nearest;
  flags.antialias = OnOff::On;
  const DatasetOptions given = cli::dataset_for_model("folder", "", *model, {}, flags);
  EXPECT_EQ(given.preprocessing->interpolation, Interpolation::Nearest);
  EXPECT_TRUE(given.preprocessing->antialias);
  // A baked model's resizing is inside its graph: its metadata does not apply again.
  m.input.preprocessing_baked = true;
  write_ir_metadata(*model, m);
  EXPECT_EQ(cli::dataset_for_model("folder", "", *model, {}).preprocessing->interpolation, Interpolation::Bilinear);
}

TEST(InputFlags, ConvertOnnxRecordsTheNormalisationAndLabels) {
  const auto dir = fresh_temp_dir("input_flags_convert");
  const fs::path onnx = convert_test::fixtures() / "resnet_small.onnx";
  {
    std::ofstream labels(dir / "labels.txt");
    for (int i = 0; i < 10; ++i) labels << "class " << i << "\n";
  }
  const auto xml = dir / "m.xml";
  auto r = run_cli("convert --onnx " + onnx.string() + " --output " + xml.string() +
                   " --preprocess imagenet --std 0.25 --interpolation bicubic --antialias off --labels " +
                   (dir / "labels.txt").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const IrMetadata m = read_ir_metadata(*read_model_file(xml));
  EXPECT_EQ(m.input.mean, (std::vector<float>{0.485f, 0.456f, 0.406f}));
  EXPECT_EQ(m.input.std, (std::vector<float>{0.25f}));
  EXPECT_EQ(m.input.channels, 3);
  EXPECT_EQ(m.input.height, 32);
  EXPECT_EQ(m.input.layout, "NCHW");
  EXPECT_EQ(m.input.interpolation, Interpolation::Bicubic);
  EXPECT_EQ(m.input.antialias, false);
  ASSERT_EQ(m.labels.size(), 10u);
  EXPECT_EQ(m.labels[9], "class 9");
  // Refusals: a 0–255 mean, a resize (not the model's), a checkpoint (it knows its own).
  r = run_cli("convert --onnx " + onnx.string() + " --output " + xml.string() + " --mean 123.7 --std 58.4");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--mean: 123.7 is not a mean in [0, 1]"), std::string::npos) << r.output;
  r = run_cli("convert --onnx " + onnx.string() + " --output " + xml.string() + " --resize 256");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("convert records the normalisation and how images are resized, not sizes"),
            std::string::npos)
      << r.output;
  r = run_cli("convert --checkpoint " + (dir / "absent.pt").string() + " --output " + xml.string() +
              " --preprocess imagenet");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("a checkpoint records the preprocessing it was trained with"), std::string::npos)
      << r.output;
  {
    std::ofstream three(dir / "three.txt");
    three << "a\nb\nc\n";
  }
  r = run_cli("convert --onnx " + onnx.string() + " --output " + xml.string() + " --labels " +
              (dir / "three.txt").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--labels: " + (dir / "three.txt").string() + " names 3 classes, the model has 10"),
            std::string::npos)
      << r.output;
  r = run_cli("eval --ir " + xml.string() + " --mode fp32 --preprocess caffe");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--preprocess"), std::string::npos) << r.output;
  // The IR written first is still there and whole.
  EXPECT_EQ(read_ir_metadata(*read_model_file(xml)).input.std, (std::vector<float>{0.25f}));
}

namespace {

// y = x · 1 over a 1×8×8×3 (N×H×W×C) input: a channels-last model as TensorFlow exports them.
std::shared_ptr<ov::Model> channels_last_model() {
  auto x = std::make_shared<ov::opset8::Parameter>(ov::element::f32, ov::PartialShape{ov::Dimension::dynamic(), 8, 8, 3});
  auto y = std::make_shared<ov::opset8::Multiply>(x, ov::opset8::Constant::create(ov::element::f32, {}, {1.0f}));
  x->output(0).set_names({"input"});
  y->output(0).set_names({"logits"});
  return std::make_shared<ov::Model>(ov::OutputVector{y}, ov::ParameterVector{x});
}

// The adapted model's output for an N×C×H×W RGB batch.
torch::Tensor run(const std::shared_ptr<ov::Model>& model, const torch::Tensor& nchw) {
  auto x = nchw.contiguous();
  // Compiled as written, with its dynamic batch, as a user's runtime would.
  auto compiled = openvino_core().compile_model(model, "CPU", ov::hint::inference_precision(ov::element::f32));
  auto request = compiled.create_infer_request();
  ov::Tensor input(ov::element::f32, ov::Shape{size_t(x.size(0)), size_t(x.size(1)), size_t(x.size(2)),
                                               size_t(x.size(3))}, x.data_ptr<float>());
  request.set_input_tensor(input);
  request.infer();
  ov::Tensor out = request.get_output_tensor();
  const ov::Shape shape = out.get_shape();  // by value: one copy, or begin and end come from two
  std::vector<int64_t> dims(shape.begin(), shape.end());
  return torch::from_blob(out.data<float>(), dims, torch::kFloat).clone();
}

}  // namespace

TEST(InputLayout, NhwcAndBgrModelsTakeNchwRgbAfterConvert) {
  const auto dir = fresh_temp_dir("input_layout");
  const auto source = dir / "nhwc.xml";
  save_ir(channels_last_model(), source);
  const auto xml = dir / "adapted.xml";
  auto r = run_cli("convert --onnx " + source.string() + " --layout NHWC --bgr --output " + xml.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("the IR takes N×C×H×W RGB (baked in front: transpose, channel flip)"), std::string::npos)
      << r.output;
  const auto adapted = read_model_file(xml);
  const IrMetadata m = read_ir_metadata(*adapted);
  EXPECT_EQ(m.input.channels, 3);
  EXPECT_EQ(m.input.height, 8);
  EXPECT_EQ(adapted->get_rt_info<std::string>("torchvino", "input", "source_layout"), "NHWC");
  EXPECT_EQ(adapted->get_rt_info<std::string>("torchvino", "input", "source_channel_order"), "BGR");
  // What the original model sees for an RGB N×C×H×W batch: the same pixels, channels last, in B, G, R order.
  torch::manual_seed(3);
  const auto rgb = torch::rand({2, 3, 8, 8});
  const auto seen = run(adapted, rgb);
  ASSERT_EQ(seen.sizes(), (std::vector<int64_t>{2, 8, 8, 3}));
  EXPECT_TRUE(torch::equal(seen, rgb.flip(1).permute({0, 2, 3, 1})));
  // The layout alone: a transpose, channels kept.
  EXPECT_TRUE(torch::equal(run(adapt_input(channels_last_model(), {.channels_last = true}), rgb),
                           rgb.permute({0, 2, 3, 1})));

  // Refusals, each naming the option (the library's key, then the CLI's flag).
  r = run_cli("convert --onnx " + source.string() + " --output " + xml.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("looks channels-last (N×H×W×C): set channels_last"), std::string::npos) << r.output;
  const auto nchw = dir / "nchw.xml";
  save_ir(image_model(1, 8), nchw);
  r = run_cli("convert --onnx " + nchw.string() + " --layout NHWC --output " + xml.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("channels_last: the model's input [?,1,8,8] does not end in 1 or 3 channels (--layout)"),
            std::string::npos)
      << r.output;
  r = run_cli("convert --onnx " + nchw.string() + " --bgr --output " + xml.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("bgr: the model's input [?,1,8,8] does not have 3 channels (--bgr)"), std::string::npos)
      << r.output;
  r = run_cli("convert --onnx " + nchw.string() + " --layout nhwc --output " + xml.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--layout: nhwc not in"), std::string::npos) << r.output;
  r = run_cli("convert --checkpoint " + (dir / "absent.pt").string() + " --bgr --output " + xml.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--layout/--bgr apply to --onnx"), std::string::npos) << r.output;
  // The adapted IR written first is still there and whole.
  EXPECT_EQ(read_model_file(xml)->get_rt_info<std::string>("torchvino", "input", "source_channel_order"), "BGR");
}
