#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <openvino/core/preprocess/pre_post_process.hpp>
#include <openvino/op/clamp.hpp>
#include <openvino/op/concat.hpp>
#include <openvino/op/constant.hpp>
#include <openvino/op/interpolate.hpp>
#include <openvino/op/multiply.hpp>
#include <openvino/op/reduce_sum.hpp>
#include <openvino/op/round.hpp>
#include <openvino/op/slice.hpp>
#include <openvino/op/subtract.hpp>

#include "data/preprocess.hpp"
#include "data/resample.hpp"
#include "torchvino/bake_preprocessing.hpp"
#include "torchvino/error.hpp"
#include "torchvino/ir_metadata.hpp"

namespace torchvino {

namespace {

using ov::op::v0::Constant;

std::shared_ptr<Constant> i64(std::vector<int64_t> values) {
  return Constant::create(ov::element::i64, ov::Shape{values.size()}, values);
}

std::shared_ptr<Constant> channel_constant(const std::vector<float>& values) {
  return Constant::create(ov::element::f32, ov::Shape{1, values.size(), 1, 1}, values);
}

int64_t checked_source_channels(const Preprocessing& p, int64_t source_channels) {
  const int64_t src_c = source_channels == 0 ? p.channels : source_channels;
  if (src_c != 1 && src_c != 3) {
    throw Error(fmt::format("bake_preprocessing: source images must have 1 or 3 channels, got {}",
                            src_c));
  }
  return src_c;
}

// The model's single input, which must be float32 N×C×H×W.
ov::Output<const ov::Node> checked_image_input(const ov::Model& model) {
  if (model.inputs().size() != 1) {
    throw Error(fmt::format("bake_preprocessing: the model has {} inputs; only single-input image "
                            "models are supported",
                            model.inputs().size()));
  }
  const ov::Output<const ov::Node> input = model.input();
  const ov::PartialShape& shape = input.get_partial_shape();
  if (shape.rank().is_dynamic() || shape.rank().get_length() != 4 ||
      input.get_element_type() != ov::element::f32) {
    throw Error(fmt::format("bake_preprocessing: the model input must be float32 N×C×H×W, got {} {}",
                            input.get_element_type().get_type_name(), shape.to_string()));
  }
  return input;
}

// Static dimensions of the model input must be what the preprocessing makes of a
// height×width×src_c image: channels×out_h×out_w.
void check_input_matches(const ov::PartialShape& shape, int64_t channels, int64_t out_h,
                         int64_t out_w, int64_t height, int64_t width, int64_t src_c) {
  auto check_dim = [&](size_t axis, int64_t want, const char* what) {
    if (shape[axis].is_static() && shape[axis].get_length() != want) {
      throw Error(fmt::format(
          "bake_preprocessing: the model wants {} {} but the preprocessing makes {} from a "
          "{}×{}×{} image (model input {})",
          what, shape[axis].get_length(), want, height, width, src_c, shape.to_string()));
    }
  };
  check_dim(1, channels, "channels:");
  check_dim(2, out_h, "height");
  check_dim(3, out_w, "width");
}

// Pillow's resize in the graph: Interpolate-11's bilinear_pillow and bicubic_pillow modes (its
// filters, widened when shrinking, renormalised at the border), one pass per axis that changes,
// in Pillow's order, each rounded to whole pixel values as Pillow rounds to uint8. Without
// antialiasing, torch's and OpenCV's: linear, or cubic with a = −0.75. The weights are floats where
// Pillow's are fixed point, so a pixel may land a gray level apart in a pass, two at most (measured
// in tests/deploy_preprocessing_test.cpp). (The plain modes' `antialias` attribute is not
// implemented by the CPU plugin: it computes the same as without it.)
ov::Output<ov::Node> resize(ov::Output<ov::Node> x, int64_t from_h, int64_t from_w, int64_t h, int64_t w,
                            const Preprocessing& p) {
  using Base = ov::op::util::InterpolateBase;
  Base::InterpolateAttrs attrs;
  attrs.shape_calculation_mode = Base::ShapeCalcMode::SIZES;
  attrs.pads_begin = {0, 0, 0, 0};
  attrs.pads_end = {0, 0, 0, 0};
  attrs.coordinate_transformation_mode = Base::CoordinateTransformMode::PYTORCH_HALF_PIXEL;
  switch (p.interpolation) {
    case Interpolation::Nearest:
      // The source pixel under the output pixel's centre: floor((d + 0.5)·in/out).
      attrs.mode = Base::InterpolateMode::NEAREST;
      attrs.coordinate_transformation_mode = Base::CoordinateTransformMode::TF_HALF_PIXEL_FOR_NN;
      attrs.nearest_mode = Base::NearestMode::FLOOR;
      return std::make_shared<ov::op::v11::Interpolate>(x, i64({h, w}), i64({2, 3}), attrs);
    case Interpolation::Bilinear:
      attrs.mode = p.antialias ? Base::InterpolateMode::BILINEAR_PILLOW : Base::InterpolateMode::LINEAR_ONNX;
      break;
    case Interpolation::Bicubic:
      attrs.mode = p.antialias ? Base::InterpolateMode::BICUBIC_PILLOW : Base::InterpolateMode::CUBIC;
      attrs.cube_coeff = p.antialias ? -0.5 : -0.75;
      break;
  }
  auto pass = [&](const ov::Output<ov::Node>& in, int64_t size, int64_t axis) -> ov::Output<ov::Node> {
    auto resized = std::make_shared<ov::op::v11::Interpolate>(in, i64({size}), i64({axis}), attrs);
    return std::make_shared<ov::op::v0::Clamp>(
        std::make_shared<ov::op::v5::Round>(resized, ov::op::v5::Round::RoundMode::HALF_AWAY_FROM_ZERO), 0.0, 255.0);
  };
  if (resizes_vertically_first(from_h, from_w, h, w)) {
    if (h != from_h) x = pass(x, h, 2);
    if (w != from_w) x = pass(x, w, 3);
  } else {
    if (w != from_w) x = pass(x, w, 3);
    if (h != from_h) x = pass(x, h, 2);
  }
  return x;
}

ov::Output<ov::Node> centre_crop(const ov::Output<ov::Node>& x, int64_t h, int64_t w,
                                 int64_t crop) {
  // Half to even, as torchvision's CenterCrop (Python's round()) and preprocess_batch.
  const auto top = static_cast<int64_t>(std::nearbyint((h - crop) / 2.0));
  const auto left = static_cast<int64_t>(std::nearbyint((w - crop) / 2.0));
  return std::make_shared<ov::op::v8::Slice>(x, i64({top, left}), i64({top + crop, left + crop}),
                                             i64({1, 1}), i64({2, 3}));
}

ov::Output<ov::Node> convert_channels(const ov::Output<ov::Node>& x, int64_t from, int64_t to) {
  if (from == 3 && to == 1) {
    // ITU-R 601 luma, PIL's convert("L") weights.
    const auto weights = channel_constant({0.299f, 0.587f, 0.114f});
    return std::make_shared<ov::op::v1::ReduceSum>(
        std::make_shared<ov::op::v1::Multiply>(x, weights), i64({1}), /*keep_dims=*/true);
  }
  if (from == 1 && to == 3) return std::make_shared<ov::op::v0::Concat>(ov::OutputVector{x, x, x}, 1);
  return x;
}

// (v/255 − mean)/std as preprocess_batch computes it: one multiply, one subtract, with the
// constants rounded to float the same way.
ov::Output<ov::Node> normalise(const ov::Output<ov::Node>& x, const Preprocessing& p) {
  const auto mean = per_channel(p.mean, p.channels);
  const auto deviation = per_channel(p.std, p.channels);
  std::vector<float> scale, shift;
  for (size_t c = 0; c < mean.size(); ++c) {
    scale.push_back(1.0f / (deviation[c] * 255.0f));
    shift.push_back(mean[c] / deviation[c]);
  }
  return std::make_shared<ov::op::v1::Subtract>(
      std::make_shared<ov::op::v1::Multiply>(x, channel_constant(scale)), channel_constant(shift));
}

// preprocess_batch's steps on an f32 NCHW image of height×width×src_c.
ov::Output<ov::Node> preprocess_graph(ov::Output<ov::Node> x, const Preprocessing& p,
                                      int64_t height, int64_t width, int64_t src_c) {
  const auto [rh, rw] = resized_size(height, width, p);
  if (rh != height || rw != width) x = resize(x, height, width, rh, rw, p);
  if (p.crop > 0 && (rh != p.crop || rw != p.crop)) x = centre_crop(x, rh, rw, p.crop);
  x = convert_channels(x, src_c, p.channels);
  return normalise(x, p);
}

}  // namespace

std::pair<int64_t, int64_t> preprocessed_size(const Preprocessing& p, int64_t height,
                                              int64_t width) {
  if (height < 1 || width < 1) {
    throw Error(fmt::format("preprocessing: image size must be positive, got {}×{}", height, width));
  }
  // An empty batch runs every check of preprocess_batch (valid p, image not smaller than the
  // crop) and yields its output size, so the two can never disagree.
  const auto out = preprocess_batch(torch::zeros({0, p.channels, height, width}, torch::kUInt8), p);
  return {out.size(2), out.size(3)};
}

std::shared_ptr<ov::Model> bake_preprocessing(const std::shared_ptr<ov::Model>& model,
                                              const Preprocessing& p, int64_t height,
                                              int64_t width, int64_t source_channels) {
  if (!model) throw Error("bake_preprocessing: no model");
  const int64_t src_c = checked_source_channels(p, source_channels);
  const auto [out_h, out_w] = preprocessed_size(p, height, width);  // checks p first
  const ov::PartialShape shape = checked_image_input(*model).get_partial_shape();
  check_input_matches(shape, p.channels, out_h, out_w, height, width, src_c);

  std::shared_ptr<ov::Model> baked = model->clone();
  ov::preprocess::PrePostProcessor ppp(baked);
  auto& in = ppp.input();
  in.tensor()
      .set_element_type(ov::element::u8)
      .set_layout("NHWC")
      .set_shape(ov::PartialShape{shape[0], height, width, src_c});
  in.model().set_layout("NCHW");
  in.preprocess()
      .convert_element_type(ov::element::f32)
      .convert_layout("NCHW")
      .custom([&](const ov::Output<ov::Node>& x) {
        return preprocess_graph(x, p, height, width, src_c);
      });
  try {
    auto built = ppp.build();
    // The application now feeds raw pixels; labels, dataset and accuracy stay as they were.
    IrMetadata m = read_ir_metadata(*built);
    m.input = {.height = height, .width = width, .channels = src_c, .layout = "NHWC",
               .mean = p.mean, .std = p.std, .preprocessing_baked = true,
               .interpolation = p.interpolation, .antialias = p.antialias};
    write_ir_metadata(*built, m);
    return built;
  } catch (const ov::Exception& e) {
    throw Error(fmt::format("bake_preprocessing: OpenVINO rejected the preprocessing: {}", e.what()));
  }
}

}  // namespace torchvino
