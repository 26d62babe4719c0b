// Model metadata in the IR's rt_info (ir_metadata.hpp): what to_openvino, bake_preprocessing and
// the pipeline write, and what survives the IR's XML.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <openvino/openvino.hpp>

#include "test_support.hpp"
#include "torchvino/bake_preprocessing.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/ir_metadata.hpp"
#include "torchvino/models.hpp"
#include "torchvino/version.hpp"

using torchvino::IrMetadata;
using torchvino::read_ir_metadata;
using torchvino::write_ir_metadata;

namespace {

// A seed ConvNet with the metadata a trained checkpoint carries (labels with spaces and slashes,
// as Fashion-MNIST's).
torchvino::Model labelled_convnet() {
  torch::manual_seed(3);
  torchvino::Model model = torchvino::create_model({.arch = "convnet", .in_channels = 1, .num_classes = 3, .image_size = 28});
  model.metadata = {.dataset = "fashion-mnist", .mean = {0.286f}, .std = {0.353f},
                    .labels = {"T-shirt/top", "Ankle boot", "Bag"}};
  return model;
}

std::shared_ptr<ov::Model> saved_and_read(const std::shared_ptr<ov::Model>& model) {
  test_support::TempDir dir("ir_metadata");
  torchvino::save_ir(model, dir / "m.xml");
  return torchvino::read_model_file(dir / "m.xml");
}

}  // namespace

TEST(IrMetadata, ToOpenvinoRecordsTheCheckpointsMetadataAndItSurvivesTheXml) {
  const auto ir = saved_and_read(torchvino::to_openvino(labelled_convnet()));
  const IrMetadata m = read_ir_metadata(*ir);
  EXPECT_EQ(m.labels, (std::vector<std::string>{"T-shirt/top", "Ankle boot", "Bag"}));
  EXPECT_EQ(m.dataset, "fashion-mnist");
  EXPECT_EQ(m.torchvino_version, TORCHVINO_VERSION_STRING);
  EXPECT_EQ(m.input.height, 28);
  EXPECT_EQ(m.input.width, 28);
  EXPECT_EQ(m.input.channels, 1);
  EXPECT_EQ(m.input.layout, "NCHW");
  EXPECT_EQ(m.input.mean, std::vector<float>{0.286f});
  EXPECT_EQ(m.input.std, std::vector<float>{0.353f});
  // Written as the float's shortest decimal, as a person would read it in `torchvino info`.
  EXPECT_EQ(ir->get_rt_info<std::string>("torchvino", "input", "mean"), "[0.286]");
  EXPECT_FALSE(m.input.preprocessing_baked);
  EXPECT_FALSE(m.accuracy.has_value());
}

TEST(IrMetadata, AccuracyAndOtherSectionsOfAReadIrAreKept) {
  auto ir = saved_and_read(torchvino::to_openvino(labelled_convnet()));
  ir->set_rt_info(std::string("performance"), "torchvino", "quantization", "preset");
  torchvino::write_measured_accuracy(*ir, {.top1 = 0.875, .top5 = 0.99, .images = 200, .dataset = "fashion-mnist (test)"});
  const auto again = saved_and_read(ir);
  const IrMetadata m = read_ir_metadata(*again);
  ASSERT_TRUE(m.accuracy.has_value());
  EXPECT_DOUBLE_EQ(m.accuracy->top1, 0.875);
  EXPECT_DOUBLE_EQ(m.accuracy->top5, 0.99);
  EXPECT_EQ(m.accuracy->images, 200);
  EXPECT_EQ(m.accuracy->dataset, "fashion-mnist (test)");
  EXPECT_EQ(m.labels.size(), 3u);
  EXPECT_EQ(again->get_rt_info<std::string>(std::vector<std::string>{"torchvino", "quantization", "preset"}),
            "performance");
}

TEST(IrMetadata, BakingPreprocessingSwitchesTheInputSpecToRawPixels) {
  torchvino::Preprocessing p;
  p.channels = 1;
  p.mean = {0.286f};
  p.std = {0.353f};
  p.resize = 28;
  p.keep_aspect = false;
  p.interpolation = torchvino::Interpolation::Bicubic;
  p.antialias = false;
  const auto baked = saved_and_read(torchvino::bake_preprocessing(torchvino::to_openvino(labelled_convnet()), p, 40, 50, 3));
  const IrMetadata m = read_ir_metadata(*baked);
  EXPECT_TRUE(m.input.preprocessing_baked);
  EXPECT_EQ(m.input.interpolation, torchvino::Interpolation::Bicubic);  // what the graph does
  EXPECT_EQ(m.input.antialias, false);
  EXPECT_EQ(m.input.layout, "NHWC");
  EXPECT_EQ(m.input.height, 40);
  EXPECT_EQ(m.input.width, 50);
  EXPECT_EQ(m.input.channels, 3);
  EXPECT_EQ(m.labels.size(), 3u);
  EXPECT_EQ(m.dataset, "fashion-mnist");
}

TEST(IrMetadata, AModelWithoutMetadataReadsAsEmpty) {
  auto param = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{1, 2});
  const auto model = std::make_shared<ov::Model>(ov::OutputVector{param}, ov::ParameterVector{param});
  const IrMetadata m = read_ir_metadata(*model);
  EXPECT_TRUE(m.labels.empty());
  EXPECT_EQ(m.input.height, 0);
  EXPECT_TRUE(m.torchvino_version.empty());
}

TEST(IrMetadata, MalformedEntriesAreErrorsNamingTheEntry) {
  auto param = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{1, 2});
  const auto model = std::make_shared<ov::Model>(ov::OutputVector{param}, ov::ParameterVector{param});
  model->set_rt_info(std::string("cat dog"), "torchvino", "labels");
  EXPECT_EQ(test_support::error_of([&] { read_ir_metadata(*model); }),
            "model metadata: torchvino.labels is not a JSON array: 'cat dog'");
  model->set_rt_info(std::string("[\"cat\"]"), "torchvino", "labels");
  model->set_rt_info(std::string("28px"), "torchvino", "input", "height");
  EXPECT_EQ(test_support::error_of([&] { read_ir_metadata(*model); }),
            "model metadata: torchvino.input.height is not a number: '28px'");
  model->set_rt_info(std::string("28"), "torchvino", "input", "height");
  model->set_rt_info(std::string("lanczos"), "torchvino", "input", "interpolation");
  EXPECT_EQ(test_support::error_of([&] { read_ir_metadata(*model); }),
            "model metadata: torchvino.input.interpolation is 'lanczos', not one of nearest, bilinear, bicubic");
  model->set_rt_info(std::string("bicubic"), "torchvino", "input", "interpolation");
  model->set_rt_info(std::string("yes"), "torchvino", "input", "antialias");
  EXPECT_EQ(test_support::error_of([&] { read_ir_metadata(*model); }),
            "model metadata: torchvino.input.antialias is 'yes', not true or false");
}

// How images are resized travels with the model: written, read back through the XML; unset when
// not said (readers then use torchvision's default, bilinear antialiased).
TEST(IrMetadata, InterpolationAndAntialiasSurviveTheXml) {
  auto ir = torchvino::to_openvino(labelled_convnet());
  EXPECT_FALSE(read_ir_metadata(*ir).input.interpolation.has_value());
  EXPECT_FALSE(read_ir_metadata(*ir).input.antialias.has_value());
  IrMetadata m = read_ir_metadata(*ir);
  m.input.interpolation = torchvino::Interpolation::Nearest;
  m.input.antialias = false;
  write_ir_metadata(*ir, m);
  const auto read = read_ir_metadata(*saved_and_read(ir));
  EXPECT_EQ(read.input.interpolation, torchvino::Interpolation::Nearest);
  EXPECT_EQ(read.input.antialias, false);
  EXPECT_EQ(read.input.mean, std::vector<float>{0.286f});
}
