#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <openvino/core/preprocess/pre_post_process.hpp>
#include <openvino/op/concat.hpp>
#include <openvino/op/constant.hpp>
#include <openvino/op/interpolate.hpp>
#include <openvino/op/multiply.hpp>
#include <openvino/op/reduce_sum.hpp>
#include <openvino/op/slice.hpp>
#include <openvino/op/subtract.hpp>

#include "torchvino/deploy.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace {

using ov::op::v0::Constant;

std::shared_ptr<Constant> i64(std::vector<int64_t> values) {
  return Constant::create(ov::element::i64, ov::Shape{values.size()}, values);
}

// One float per output channel as a 1×C×1×1 constant, like preprocess.cpp's per_channel.
std::vector<float> per_channel(const std::vector<float>& v, int64_t channels) {
  std::vector<float> full(static_cast<size_t>(channels), v.front());
  if (v.size() == full.size()) full = v;
  return full;
}

std::shared_ptr<Constant> channel_constant(const std::vector<float>& values) {
  return Constant::create(ov::element::f32, ov::Shape{1, values.size(), 1, 1}, values);
}

// Output size of the resize step (preprocess.cpp's rule: torchvision's for a single-int size).
std::pair<int64_t, int64_t> resized_size(int64_t h, int64_t w, const Preprocessing& p) {
  if (p.resize == 0) return {h, w};
  if (!p.keep_aspect) return {p.resize, p.resize};
  if (h <= w) return {p.resize, static_cast<int64_t>(static_cast<double>(p.resize) * w / h)};
  return {static_cast<int64_t>(static_cast<double>(p.resize) * h / w), p.resize};
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
  const int64_t src_c = source_channels == 0 ? p.channels : source_channels;
  if (src_c != 1 && src_c != 3) {
    throw Error(fmt::format("bake_preprocessing: source images must have 1 or 3 channels, got {}",
                            src_c));
  }
  const auto [out_h, out_w] = preprocessed_size(p, height, width);

  if (model->inputs().size() != 1) {
    throw Error(fmt::format("bake_preprocessing: the model has {} inputs; only single-input image "
                            "models are supported",
                            model->inputs().size()));
  }
  const ov::Output<const ov::Node> input = model->input();
  const ov::PartialShape& shape = input.get_partial_shape();
  if (shape.rank().is_dynamic() || shape.rank().get_length() != 4 ||
      input.get_element_type() != ov::element::f32) {
    throw Error(fmt::format("bake_preprocessing: the model input must be float32 N×C×H×W, got {} {}",
                            input.get_element_type().get_type_name(), shape.to_string()));
  }
  auto check_dim = [&](size_t axis, int64_t want, const char* what) {
    if (shape[axis].is_static() && shape[axis].get_length() != want) {
      throw Error(fmt::format(
          "bake_preprocessing: the model wants {} {} but the preprocessing makes {} from a "
          "{}×{}×{} image (model input {})",
          what, shape[axis].get_length(), want, height, width, src_c, shape.to_string()));
    }
  };
  check_dim(1, p.channels, "channels:");
  check_dim(2, out_h, "height");
  check_dim(3, out_w, "width");

  const auto [rh, rw] = resized_size(height, width, p);
  const int64_t model_c = p.channels;
  // (v/255 − mean)/std as preprocess_batch computes it: one multiply, one subtract, with the
  // constants rounded to float the same way.
  std::vector<float> scale, shift;
  {
    const auto mean = per_channel(p.mean, model_c);
    const auto std = per_channel(p.std, model_c);
    for (int64_t c = 0; c < model_c; ++c) {
      scale.push_back(1.0f / (std[c] * 255.0f));
      shift.push_back(mean[c] / std[c]);
    }
  }

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
      .custom([&, rh = rh, rw = rw](const ov::Output<ov::Node>& node) {
        ov::Output<ov::Node> x = node;
        if (rh != height || rw != width) {
          // torch's bilinear with align_corners=false and no antialiasing: source coordinate
          // (d + 0.5)·in/out − 0.5, clamped at the border.
          ov::op::util::InterpolateBase::InterpolateAttrs attrs;
          attrs.mode = ov::op::util::InterpolateBase::InterpolateMode::LINEAR_ONNX;
          attrs.shape_calculation_mode = ov::op::util::InterpolateBase::ShapeCalcMode::SIZES;
          attrs.coordinate_transformation_mode =
              ov::op::util::InterpolateBase::CoordinateTransformMode::PYTORCH_HALF_PIXEL;
          attrs.antialias = false;
          attrs.pads_begin = {0, 0, 0, 0};
          attrs.pads_end = {0, 0, 0, 0};
          x = std::make_shared<ov::op::v11::Interpolate>(x, i64({rh, rw}), i64({2, 3}), attrs);
        }
        if (p.crop > 0 && (rh != p.crop || rw != p.crop)) {
          // Half to even, as torchvision's CenterCrop (Python's round()) and preprocess_batch.
          const auto top = static_cast<int64_t>(std::nearbyint((rh - p.crop) / 2.0));
          const auto left = static_cast<int64_t>(std::nearbyint((rw - p.crop) / 2.0));
          x = std::make_shared<ov::op::v8::Slice>(x, i64({top, left}),
                                                  i64({top + p.crop, left + p.crop}), i64({1, 1}),
                                                  i64({2, 3}));
        }
        if (src_c == 3 && model_c == 1) {
          // ITU-R 601 luma, PIL's convert("L") weights.
          const auto weights = channel_constant({0.299f, 0.587f, 0.114f});
          x = std::make_shared<ov::op::v1::ReduceSum>(
              std::make_shared<ov::op::v1::Multiply>(x, weights), i64({1}), /*keep_dims=*/true);
        } else if (src_c == 1 && model_c == 3) {
          x = std::make_shared<ov::op::v0::Concat>(ov::OutputVector{x, x, x}, 1);
        }
        x = std::make_shared<ov::op::v1::Multiply>(x, channel_constant(scale));
        x = std::make_shared<ov::op::v1::Subtract>(x, channel_constant(shift));
        return x;
      });
  try {
    return ppp.build();
  } catch (const ov::Exception& e) {
    throw Error(fmt::format("bake_preprocessing: OpenVINO rejected the preprocessing: {}", e.what()));
  }
}

}  // namespace torchvino
