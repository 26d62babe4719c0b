// The full bias correction step (the counterpart of NNCF's BiasCorrection, its
// fast_bias_correction=False): the quantized model itself is measured, one biased layer at a time
// in graph order, and each bias is shifted by the difference between the FP32 and the quantized
// per-channel output means. Since the layers before it are already quantized and corrected when a
// layer is measured, its shift absorbs the error they pass on. Unlike NNCF, which removes the
// activation FakeQuantizes before measuring, the model measured is the INT8 model as it will run,
// activation quantizers included.
#include <algorithm>

#include "quantize/bias_correction.hpp"
#include "quantize/step.hpp"

namespace torchvino::quant {
namespace {

// One pass over the partly quantized model per layer is the cost of this step; like NNCF, measure
// each on a fifth of the calibration set (60 of the default 300 images), in whole batches so that
// the FP32 and the quantized means cover the same images.
int64_t measured_images(const QuantizeState& state) {
  const int64_t batch = state.options.batch_size;
  const int64_t fifth = std::max<int64_t>(state.options.subset_size / 5, 1);
  return std::min(state.options.subset_size, (fifth + batch - 1) / batch * batch);
}

class FullBiasCorrectionStep final : public Step {
 public:
  std::string name() const override { return "bias_correction"; }

  bool needs_placement() const override { return true; }

  // The FP32 per-channel mean of each biased layer's output (after its bias).
  std::vector<StatisticPoint> statistic_points(const QuantizeState& state) override {
    targets_ = biased_layers(state.plan);
    std::vector<StatisticPoint> points(targets_.size());
    std::transform(targets_.begin(), targets_.end(), points.begin(), [&](const BiasedLayer& t) {
      auto point = output_of(state, t);
      point.images = measured_images(state);
      return point;
    });
    return points;
  }

  void apply(QuantizeState& state, std::span<const TensorStatistics> stats) override {
    for (size_t i = 0; i < targets_.size(); ++i) {
      auto& [l, bias] = targets_[i];
      // Only what this layer's output depends on is computed: the layers after it do not matter.
      const auto quantized =
          state.observe({output_of(state, targets_[i])}, /*observed_only=*/true, measured_images(state));
      const auto fp32_mean = stats[i].channel_mean();
      const auto quantized_mean = quantized.at(0).channel_mean();
      std::vector<float> shift(fp32_mean.size());
      for (size_t c = 0; c < shift.size(); ++c) shift[c] = fp32_mean[c] - quantized_mean.at(c);
      state.bias_corrected[l] = shift_is_plausible(bias.values, shift, kFullBiasCorrectionThreshold);
      if (state.bias_corrected[l]) apply_bias_shift(bias, shift);
      if (state.options.on_progress) state.options.on_progress("bias correction", int64_t(i + 1), int64_t(targets_.size()));
    }
  }

 private:
  static StatisticPoint output_of(const QuantizeState& state, const BiasedLayer& t) {
    return {t.bias.add->output(0), Reducers{.channel_mean = true}, state.plan.layers[t.layer].output_channel_axis};
  }

  std::vector<BiasedLayer> targets_;
};

}  // namespace

std::unique_ptr<Step> make_full_bias_correction_step() { return std::make_unique<FullBiasCorrectionStep>(); }

}  // namespace torchvino::quant
