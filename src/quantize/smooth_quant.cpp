#include "quantize/smooth_quant.hpp"
#include "quantize/statistics.hpp"

#include <openvino/op/constant.hpp>
#include <openvino/op/matmul.hpp>
#include <openvino/op/multiply.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "quantize/graph_analysis.hpp"

namespace torchvino::quant {
namespace {

constexpr float kMinScale = 1e-5f;
constexpr double kScaleFloorQuantile = 0.1;
constexpr float kMaxScale = 100.0f;

// The input-channel axis of a 2-D weight: rows of Wᵀ when transpose_b, else rows of W.
size_t weight_input_axis(const ov::op::v0::MatMul& mm) { return mm.get_transpose_b() ? 1 : 0; }

bool eligible(const ov::Node& node) {
  const auto* mm = ov::as_type<const ov::op::v0::MatMul>(&node);
  if (!mm || mm->get_transpose_a()) return false;
  if (!constant_values(mm->input_value(0)).empty()) return false;
  const auto& weight_shape = mm->get_input_partial_shape(1);
  const auto& input_shape = mm->get_input_partial_shape(0);
  if (!weight_shape.is_static() || weight_shape.rank().get_length() != 2) return false;
  if (input_shape.rank().is_dynamic() || input_shape.rank().get_length() < 2) return false;
  const auto last = input_shape[input_shape.rank().get_length() - 1];
  return last.is_static() && !constant_values(mm->input_value(1)).empty();
}

}  // namespace

std::vector<SmoothQuantGroup> smooth_quant_groups(const ov::Model& model,
                                                  const std::function<bool(const ov::Node&)>& skip) {
  std::map<std::pair<const ov::Node*, size_t>, size_t> index;
  std::vector<SmoothQuantGroup> groups;
  for (const auto& op : model.get_ordered_ops()) {
    if (!eligible(*op) || (skip && skip(*op))) continue;
    const auto activation = op->input_value(0);
    auto [it, inserted] = index.emplace(std::pair{activation.get_node(), activation.get_index()}, groups.size());
    if (inserted) {
      SmoothQuantGroup g;
      g.activation = activation;
      const auto& shape = activation.get_partial_shape();
      g.channels = static_cast<size_t>(shape[shape.rank().get_length() - 1].get_length());
      groups.push_back(std::move(g));
    }
    groups[it->second].matmuls.push_back(op);
  }
  return groups;
}

std::vector<float> weight_input_channel_abs_max(const SmoothQuantGroup& group) {
  std::vector<float> abs_max(group.channels, 0.0f);
  for (const auto& op : group.matmuls) {
    const auto* mm = ov::as_type<const ov::op::v0::MatMul>(op.get());
    const auto values = constant_values(mm->input_value(1));
    const ov::Shape shape = mm->get_input_shape(1);
    const size_t axis = weight_input_axis(*mm);
    for (size_t i = 0; i < values.size(); ++i) {
      const size_t channel = axis == 0 ? i / shape[1] : i % shape[1];
      abs_max[channel] = std::max(abs_max[channel], std::fabs(values[i]));
    }
  }
  return abs_max;
}

std::vector<float> smooth_scales(const std::vector<float>& activation_abs_max,
                                 const std::vector<float>& weight_abs_max, double alpha) {
  std::vector<float> scales(activation_abs_max.size(), 1.0f);
  std::vector<float> live;
  for (size_t j = 0; j < scales.size(); ++j) {
    const double a = activation_abs_max[j], w = weight_abs_max.at(j);
    if (a <= 0 || w <= 0) continue;
    scales[j] = std::max(kMinScale, static_cast<float>(std::pow(a, alpha) / std::pow(w, 1.0 - alpha)));
    live.push_back(scales[j]);
  }
  if (live.empty()) return scales;
  // As NNCF does, no scale falls below the scales' 10th percentile nor exceeds 100. A channel
  // that is rarely active gets a tiny scale, and dividing it by that would stretch the range of
  // the whole quantized tensor (on ViT-B/16, GELU outputs reached -0.8 instead of -0.17).
  const float floor = quantile_of(live, kScaleFloorQuantile);
  for (size_t j = 0; j < scales.size(); ++j)
    if (activation_abs_max[j] > 0 && weight_abs_max[j] > 0) scales[j] = std::min(std::max(scales[j], floor), kMaxScale);
  return scales;
}

void apply_smooth_scales(const SmoothQuantGroup& group, const std::vector<float>& scales) {
  std::vector<float> inverse(scales.size());
  std::transform(scales.begin(), scales.end(), inverse.begin(), [](float s) { return 1.0f / s; });
  auto divide = std::make_shared<ov::op::v1::Multiply>(
      group.activation, std::make_shared<ov::op::v0::Constant>(ov::element::f32, ov::Shape{scales.size()}, inverse));
  divide->set_friendly_name(group.activation.get_node()->get_friendly_name() + "/smooth_quant");
  for (const auto& op : group.matmuls) {
    const auto* mm = ov::as_type<const ov::op::v0::MatMul>(op.get());
    auto values = constant_values(mm->input_value(1));
    const ov::Shape shape = mm->get_input_shape(1);
    const size_t axis = weight_input_axis(*mm);
    for (size_t i = 0; i < values.size(); ++i) values[i] *= scales[axis == 0 ? i / shape[1] : i % shape[1]];
    op->input(1).replace_source_output(std::make_shared<ov::op::v0::Constant>(ov::element::f32, shape, values));
    op->input(0).replace_source_output(divide);
  }
}

}  // namespace torchvino::quant
