// The MinMax step: per-sample activation statistics → one range per quantizer group →
// FakeQuantize on activations; weights quantized per output channel and stored as int8.
#include "quantize/ranges.hpp"
#include "quantize/step.hpp"

namespace torchvino::quant {
namespace {

// One range per group: members of a group (Concat inputs) are merged, a group is unsigned only
// when every member comes out of a ReLU, and symmetric under the mixed preset when a member
// must be (attention MatMul inputs of transformers).
std::vector<Range> group_ranges(const QuantizationPlan& plan, std::span<const TensorStatistics> stats,
                                Preset preset, RangeEstimator estimator) {
  std::vector<Preset> group_preset(plan.groups, preset);
  std::vector<bool> after_relu(plan.groups, true);
  for (const auto& q : plan.activations) {
    if (q.symmetric) group_preset[q.group] = Preset::Performance;
    after_relu[q.group] = after_relu[q.group] && q.after_relu;
  }
  std::vector<std::vector<Range>> members(plan.groups);
  for (size_t i = 0; i < plan.activations.size(); ++i) {
    const auto& q = plan.activations[i];
    members[q.group].push_back(aggregate(stats[i], estimator, group_preset[q.group] == Preset::Performance));
  }
  std::vector<Range> ranges;
  for (size_t g = 0; g < plan.groups; ++g)
    ranges.push_back(activation_range(merge(members[g]), group_preset[g], after_relu[g]));
  return ranges;
}

class MinMaxStep final : public Step {
 public:
  std::string name() const override { return "min_max"; }

  bool needs_placement() const override { return true; }

  // Per-sample min/max, or quantiles, of every quantized activation.
  std::vector<StatisticPoint> statistic_points(const QuantizeState& state) override {
    Reducers reducers;
    if (state.options.range_estimator == RangeEstimator::Quantile) {
      reducers.quantiles = true;
      reducers.quantile = state.options.quantile;
    } else {
      reducers.min_max = true;
    }
    std::vector<StatisticPoint> points;
    for (const auto& q : state.plan.activations) points.push_back({q.tensor, reducers});
    return points;
  }

  void apply(QuantizeState& state, std::span<const TensorStatistics> stats) override {
    const auto& plan = state.plan;
    const auto ranges = group_ranges(plan, stats, state.preset, state.options.range_estimator);
    for (const auto& q : plan.activations) insert_activation_quantizer(q, ranges[q.group]);
    for (const auto& w : plan.weights) {
      const auto abs_max = weight_abs_max(w.values, w.shape, w.channel_axes);
      const auto& grid = state.weight_grid(w);
      const auto& q = state.quantized_weights.emplace_back(state.weight_rounding->quantize(w, abs_max, grid));
      const std::string name = w.op->get_friendly_name();
      replace_weights(w, state.options.compress_weights ? dequantized_weights(q, name)
                                                        : fake_quantized_weights(w, q, name, grid));
    }
  }
};

}  // namespace

std::unique_ptr<Step> make_min_max_step() { return std::make_unique<MinMaxStep>(); }

}  // namespace torchvino::quant
