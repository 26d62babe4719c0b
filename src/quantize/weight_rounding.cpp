#include "quantize/weight_rounding.hpp"

#include <algorithm>
#include <cmath>

#include "torchvino/error.hpp"

namespace torchvino::quant {
namespace {

class NearestRounding final : public WeightRounding {
 protected:
  std::vector<int8_t> codes(const WeightQuantizer& w, const std::vector<float>& abs_max, const WeightGrid& grid,
                            const ChannelIndex& index) const override {
    std::vector<int8_t> codes(w.values.size());
    // Codes are computed as OpenVINO's FakeQuantize computes them, the path NNCF's weights take:
    // a 255-level grid over ±abs_max·(127 / divisor) (the 7-bit grid is the 8-bit one over twice
    // the range), (w − low) / (high − low) · 254 in float, rounded half to even. The channel's
    // largest weight then falls on the same side of a tie as in NNCF's model (on the 7-bit grid
    // it sits on one, ±63.5): the codes are NNCF's, bit for bit.
    const float widen = 127.0f / grid.divisor;
    const auto low = static_cast<float>(grid.low), high = static_cast<float>(grid.high);
    for (size_t i = 0; i < w.values.size(); ++i) {
      const float top = abs_max[index(i)] * widen;
      const float level = std::nearbyint((w.values[i] + top) / (top + top) * 254.0f) - 127.0f;
      codes[i] = static_cast<int8_t>(std::clamp(level, low, high));
    }
    return codes;
  }
};

}  // namespace

QuantizedWeights WeightRounding::quantize(const WeightQuantizer& w, const std::vector<float>& abs_max,
                                          const WeightGrid& grid) const {
  if (grid.low < -128 || grid.high > 127 || grid.low >= 0 || grid.high <= 0 || grid.divisor <= 0)
    throw Error("quantize: a weight grid must hold zero and fit int8");
  const ChannelIndex index(w.shape, w.channel_axes);
  if (abs_max.size() != index.channels()) throw Error("quantize: one weight range per channel expected");
  QuantizedWeights q;
  q.shape = w.shape;
  q.scale_shape = index.broadcast_shape();
  q.scales.resize(abs_max.size());
  for (size_t c = 0; c < abs_max.size(); ++c) q.scales[c] = abs_max[c] / grid.divisor;
  q.values = codes(w, abs_max, grid, index);
  if (q.values.size() != w.values.size()) throw Error("quantize: a weight rounding must give one code per weight");
  return q;
}

std::unique_ptr<WeightRounding> make_nearest_rounding() { return std::make_unique<NearestRounding>(); }

}  // namespace torchvino::quant
