#pragma once
// Turns statistics into quantization ranges (the [lo, hi] a FakeQuantize maps onto its levels).
#include <openvino/core/shape.hpp>

#include <string>
#include <vector>

#include "quantize/statistics.hpp"
#include "torchvino/quantize.hpp"

namespace torchvino::quant {

struct Range {
  float lo = 0;
  float hi = 0;
};

// Aggregates per-sample statistics into one (min, max). For symmetric quantizers the max is
// taken of |x|, since their range is ±hi.
Range aggregate(const TensorStatistics& stats, RangeEstimator estimator, bool symmetric);

// Several tensors that must share one quantizer range (Concat inputs): min of mins, max of maxes.
Range merge(const std::vector<Range>& ranges);

// Symmetric 256-level range from aggregated (min, abs-max): unsigned [0, hi] when nothing is
// negative, else signed [-hi·128/127, hi] so that zero and ±hi sit exactly on levels.
Range symmetric_range(Range aggregated, bool force_unsigned);

// Asymmetric 256-level range: contains zero, at least 8e-4 wide, with zero exactly on a level.
Range asymmetric_range(Range aggregated);

// The activation range for the preset.
Range activation_range(Range aggregated, Preset preset, bool after_relu);

// Per-output-channel ±max|w| of weights (one value per index over channel_axes, row-major over
// those axes), with tiny channels raised so no scale is zero.
std::vector<float> weight_abs_max(const std::vector<float>& values, const ov::Shape& shape,
                                  const std::vector<size_t>& channel_axes);

// Maps a row-major element index of `shape` to its index over channel_axes (row-major among
// those axes) without materialising a table as large as the weights.
class ChannelIndex {
 public:
  ChannelIndex(const ov::Shape& shape, const std::vector<size_t>& channel_axes);
  size_t channels() const { return channels_; }
  size_t operator()(size_t flat) const {
    size_t index = 0;
    for (const auto& axis : axes_) index += (flat / axis.stride) % axis.dim * axis.channel_stride;
    return index;
  }
  // Shape of a per-channel tensor broadcasting against `shape`: 1 except on channel axes.
  ov::Shape broadcast_shape() const { return broadcast_; }

 private:
  struct Axis {
    size_t stride, dim, channel_stride;
  };
  std::vector<Axis> axes_;
  size_t channels_ = 1;
  ov::Shape broadcast_;
};

}  // namespace torchvino::quant
