// The fast bias correction step: for each quantized layer with a bias, the mean output change
// weight rounding causes on an input equal to the FP32 per-channel input mean is added back to
// the bias, when it is plausible (small against the bias).
#include "quantize/bias_correction.hpp"
#include "quantize/step.hpp"

namespace torchvino::quant {
namespace {

class FastBiasCorrectionStep final : public Step {
 public:
  std::string name() const override { return "fast_bias_correction"; }

  bool needs_placement() const override { return true; }

  // The FP32 per-channel mean of each biased layer's input.
  std::vector<StatisticPoint> statistic_points(const QuantizeState& state) override {
    targets_ = biased_layers(state.plan);
    std::vector<StatisticPoint> points;
    for (const auto& t : targets_) {
      const auto& layer = state.plan.layers[t.layer];
      points.push_back({layer.op->input_value(layer.activation_input), Reducers{.channel_mean = true},
                        layer.activation_channel_axis});
    }
    return points;
  }

  void apply(QuantizeState& state, std::span<const TensorStatistics> stats) override {
    std::vector<BiasShiftProbe> probes;
    for (size_t i = 0; i < targets_.size(); ++i) {
      const auto& layer = state.plan.layers[targets_[i].layer];
      probes.push_back({&layer, &state.plan.weights[layer.weight], &state.quantized_weights[layer.weight],
                        stats[i].channel_mean(), stats[i].first_shape});
    }
    const auto shifts = bias_shifts(probes, state.runtime);
    for (size_t i = 0; i < targets_.size(); ++i) {
      auto& [l, bias] = targets_[i];
      state.bias_corrected[l] = shift_is_plausible(bias.values, shifts[i], kFastBiasCorrectionThreshold);
      if (state.bias_corrected[l]) apply_bias_shift(bias, shifts[i]);
    }
  }

 private:
  std::vector<BiasedLayer> targets_;
};

}  // namespace

std::unique_ptr<Step> make_fast_bias_correction_step() { return std::make_unique<FastBiasCorrectionStep>(); }

}  // namespace torchvino::quant
