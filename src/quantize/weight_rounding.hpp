#pragma once
// Weight rounding, the part of weight quantization that turns each weight into an integer code on
// its channel's grid. MinMax decides the grid (per-channel ranges, 8 or 7 bits) and calls a
// WeightRounding for the codes, so that a learned rounding (AdaRound: up or down per weight, to
// minimise the layer's output error) can replace nearest rounding without touching MinMax.
#include <memory>
#include <vector>

#include "quantize/graph_analysis.hpp"
#include "quantize/insertion.hpp"

namespace torchvino::quant {

class WeightRounding {
 public:
  virtual ~WeightRounding() = default;
  // The weights of `w` on `grid` over ±abs_max per channel: the codes from codes(), the scales
  // from the grid.
  QuantizedWeights quantize(const WeightQuantizer& w, const std::vector<float>& abs_max, const WeightGrid& grid) const;

 protected:
  // One code per weight (row-major, as w.values), within [grid.low, grid.high]. `index` maps a
  // weight to its channel's abs_max.
  virtual std::vector<int8_t> codes(const WeightQuantizer& w, const std::vector<float>& abs_max,
                                    const WeightGrid& grid, const ChannelIndex& index) const = 0;
};

// Nearest, ties to even, computed as OpenVINO's FakeQuantize computes it (see quantize_weights).
std::unique_ptr<WeightRounding> make_nearest_rounding();

}  // namespace torchvino::quant
