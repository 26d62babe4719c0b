#include "quantize/smooth_quant.hpp"

#include <openvino/op/constant.hpp>
#include <openvino/op/matmul.hpp>
#include <openvino/op/multiply.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "quantize/graph_analysis.hpp"
#include "quantize/step.hpp"
#include "torchvino/error.hpp"

namespace torchvino::quant {
namespace {

constexpr float kMinStatistic = 1e-5f;
constexpr double kScaleFloorQuantile = 0.1;
constexpr double kMaxScale = 100.0;

// The q-quantile by linear interpolation between order statistics, as numpy's default: the
// difference taken in float, the interpolation in double, from the nearer end.
double linear_quantile(std::vector<float> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto k = static_cast<size_t>(std::floor(position));
  const double t = position - static_cast<double>(k);
  if (k + 1 >= values.size()) return values[k];
  const float below = values[k], above = values[k + 1];
  const float step = above - below;
  return t >= 0.5 ? above - step * (1.0 - t) : below + step * t;
}

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

std::vector<double> smooth_scales(const std::vector<float>& activation_abs_max,
                                  const std::vector<float>& weight_abs_max, double alpha) {
  if (weight_abs_max.size() != activation_abs_max.size())
    throw Error("quantize: SmoothQuant needs one weight maximum per activation channel");
  // Computed as NNCF computes them, float for float, so that both tools scale the same weights to
  // the same values: statistics raised to at least 1e-5 (a dead channel gets a tiny or a large
  // scale, which the clipping below bounds), powers in float, ε in the denominator.
  const auto a_exp = static_cast<float>(alpha), w_exp = static_cast<float>(1.0 - alpha);
  std::vector<float> raw(activation_abs_max.size());
  for (size_t j = 0; j < raw.size(); ++j) {
    const float a = std::max(activation_abs_max[j], kMinStatistic), w = std::max(weight_abs_max[j], kMinStatistic);
    raw[j] = std::pow(a, a_exp) / (std::pow(w, w_exp) + std::numeric_limits<float>::epsilon());
  }
  // No scale falls below the scales' 10th percentile nor exceeds 100. A channel that is rarely
  // active gets a tiny scale, and dividing it by that would stretch the range of the whole
  // quantized tensor (on ViT-B/16, GELU outputs reached -0.8 instead of -0.17).
  const double floor = linear_quantile(raw, kScaleFloorQuantile);
  std::vector<double> scales(raw.size());
  for (size_t j = 0; j < raw.size(); ++j) scales[j] = std::min(std::max(static_cast<double>(raw[j]), floor), kMaxScale);
  return scales;
}

std::shared_ptr<ov::Node> insert_smoothing(const SmoothQuantGroup& group) {
  auto multiply = std::make_shared<ov::op::v1::Multiply>(
      group.activation, ov::op::v0::Constant::create(ov::element::f32, ov::Shape{group.channels},
                                                     std::vector<float>(group.channels, 1.0f)));
  multiply->set_friendly_name(group.activation.get_node()->get_friendly_name() + "/smooth_quant");
  for (const auto& op : group.matmuls) op->input(0).replace_source_output(multiply);
  return multiply;
}

std::vector<float> apply_smooth_scales(const SmoothQuantGroup& group, const std::shared_ptr<ov::Node>& multiply,
                                       const std::vector<double>& scales) {
  if (scales.size() != group.channels) throw Error("quantize: SmoothQuant needs one scale per activation channel");
  // In double, then rounded once to float (as NNCF's float64 scales are).
  std::vector<float> inverse(scales.size());
  std::transform(scales.begin(), scales.end(), inverse.begin(), [](double s) { return static_cast<float>(1.0 / s); });
  multiply->input(1).replace_source_output(
      std::make_shared<ov::op::v0::Constant>(ov::element::f32, ov::Shape{scales.size()}, inverse));
  for (const auto& op : group.matmuls) {
    const auto* mm = ov::as_type<const ov::op::v0::MatMul>(op.get());
    auto values = constant_values(mm->input_value(1));
    const ov::Shape shape = mm->get_input_shape(1);
    const size_t axis = weight_input_axis(*mm);
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = static_cast<float>(values[i] * scales[axis == 0 ? i / shape[1] : i % shape[1]]);
    op->input(1).replace_source_output(std::make_shared<ov::op::v0::Constant>(ov::element::f32, shape, values));
  }
  return inverse;
}

namespace {

// Before the quantizers are placed and measured: the ranges MinMax measures must be those of the
// rescaled activations. Its X · (1/s) go into the graph first, as X · 1, so that the quantizers are
// placed where they will be; the engine may then measure MinMax's statistics in the same pass and
// derive those of X/s once s is known (Step::rescales_channels).
class SmoothQuantStep final : public Step {
 public:
  std::string name() const override { return "smooth_quant"; }
  bool needs_placement() const override { return false; }
  bool rescales_channels() const override { return true; }

  void prepare(QuantizeState& state) override {
    groups_ = smooth_quant_groups(*state.model, state.ignored);
    first_ = state.rescales.size();
    for (const auto& g : groups_) {
      const auto multiply = insert_smoothing(g);
      state.rescales.push_back({multiply->output(0), g.activation,
                                static_cast<int64_t>(g.activation.get_partial_shape().rank().get_length()) - 1, {}});
    }
  }

  // The per-channel |max| of each group's activation, along its last (feature) axis.
  std::vector<StatisticPoint> statistic_points(const QuantizeState&) override {
    std::vector<StatisticPoint> points;
    for (const auto& g : groups_)
      points.push_back({g.activation, Reducers{.channel_abs_max = true},
                        static_cast<int64_t>(g.activation.get_partial_shape().rank().get_length()) - 1});
    return points;
  }

  void apply(QuantizeState& state, std::span<const TensorStatistics> stats) override {
    const double alpha = state.options.smooth_quant_alpha;
    for (size_t i = 0; i < groups_.size(); ++i) {
      auto& rescale = state.rescales.at(first_ + i);
      const auto scales = smooth_scales(stats[i].channel_abs_max, weight_input_channel_abs_max(groups_[i]), alpha);
      rescale.factors = apply_smooth_scales(groups_[i], rescale.output.get_node_shared_ptr(), scales);
      state.smoothed_layers += static_cast<int64_t>(groups_[i].matmuls.size());
    }
  }

 private:
  std::vector<SmoothQuantGroup> groups_;
  size_t first_ = 0;  // this step's first entry in state.rescales
};

}  // namespace

std::unique_ptr<Step> make_smooth_quant_step() { return std::make_unique<SmoothQuantStep>(); }

}  // namespace torchvino::quant
