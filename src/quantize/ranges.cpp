#include "quantize/ranges.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "torchvino/error.hpp"

namespace torchvino::quant {
namespace {

constexpr float kMinSymmetricHigh = 8e-5f;   // below this a range is numerically meaningless
constexpr float kMinAsymmetricWidth = 8e-4f;
constexpr float kLevelsMinusOne = 255.0f;    // 256-level activations

float mean(const std::vector<float>& v) {
  return v.empty() ? 0.0f : static_cast<float>(std::accumulate(v.begin(), v.end(), 0.0) / v.size());
}
float lowest(const std::vector<float>& v) { return v.empty() ? 0.0f : *std::min_element(v.begin(), v.end()); }
float highest(const std::vector<float>& v) { return v.empty() ? 0.0f : *std::max_element(v.begin(), v.end()); }

}  // namespace

Range aggregate(const TensorStatistics& s, RangeEstimator estimator, bool symmetric) {
  if (s.samples() == 0) throw Error("quantize: no statistics were collected for a tensor");
  switch (estimator) {
    case RangeEstimator::MeanMinMax:
      if (s.min.empty()) throw Error("quantize: min/max statistics were not collected");
      return {mean(s.min), symmetric ? mean(s.abs_max) : mean(s.max)};
    case RangeEstimator::MinMax:
      if (s.min.empty()) throw Error("quantize: min/max statistics were not collected");
      return {lowest(s.min), symmetric ? highest(s.abs_max) : highest(s.max)};
    case RangeEstimator::Quantile:
      if (s.quantile_low.empty()) throw Error("quantize: quantile statistics were not collected");
      return {mean(s.quantile_low), symmetric ? mean(s.abs_quantile_high) : mean(s.quantile_high)};
  }
  return {};
}

Range merge(const std::vector<Range>& ranges) {
  if (ranges.empty()) return {};
  Range r = ranges.front();
  for (const auto& x : ranges) {
    r.lo = std::min(r.lo, x.lo);
    r.hi = std::max(r.hi, x.hi);
  }
  return r;
}

Range symmetric_range(Range aggregated, bool force_unsigned) {
  const float hi = std::max(aggregated.hi, kMinSymmetricHigh);
  const bool is_unsigned = force_unsigned || aggregated.lo >= 0.0f;
  // 256 signed levels run −128…127: the extra negative level makes lo = −hi·128/127.
  return {is_unsigned ? 0.0f : -hi * 128.0f / 127.0f, hi};
}

Range asymmetric_range(Range aggregated) {
  float lo = aggregated.lo, hi = aggregated.hi;
  if (hi - lo < kMinAsymmetricWidth) {
    const float widen = (kMinAsymmetricWidth - (hi - lo)) / 2;
    lo -= widen;
    hi += widen;
  }
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  // Zero must be representable exactly (padding, ReLU zeros): pick the integer zero point
  // nearest the ideal one and widen whichever border needs it, so nothing is clipped.
  float zero_point = std::round(-lo * kLevelsMinusOne / (hi - lo));
  if (zero_point == 0.0f && lo < 0.0f) zero_point = 1.0f;
  if (zero_point == kLevelsMinusOne && hi > 0.0f) zero_point = kLevelsMinusOne - 1.0f;
  if (zero_point == 0.0f) return {0.0f, hi};
  if (zero_point == kLevelsMinusOne) return {lo, 0.0f};
  const float step = std::max(-lo / zero_point, hi / (kLevelsMinusOne - zero_point));
  return {-zero_point * step, (kLevelsMinusOne - zero_point) * step};
}

Range activation_range(Range aggregated, Preset preset, bool after_relu) {
  if (preset != Preset::Mixed) return symmetric_range(aggregated, after_relu);  // Auto is resolved before
  if (after_relu) aggregated.lo = std::max(aggregated.lo, 0.0f);
  return asymmetric_range(aggregated);
}

ChannelIndex::ChannelIndex(const ov::Shape& shape, const std::vector<size_t>& channel_axes)
    : broadcast_(shape.size(), 1) {
  std::vector<size_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  for (size_t a : channel_axes) {
    if (a >= shape.size()) throw Error("quantize: channel axis beyond the weight rank");
    broadcast_[a] = shape[a];
    channels_ *= shape[a];
  }
  size_t channel_stride = 1;
  for (size_t i = channel_axes.size(); i-- > 0;) {
    const size_t a = channel_axes[i];
    axes_.push_back({strides[a], shape[a], channel_stride});
    channel_stride *= shape[a];
  }
  if (broadcast_.empty()) broadcast_ = ov::Shape{};
}

std::vector<float> weight_abs_max(const std::vector<float>& values, const ov::Shape& shape,
                                  const std::vector<size_t>& channel_axes) {
  if (values.size() != ov::shape_size(shape)) throw Error("quantize: weight values do not match their shape");
  const ChannelIndex index(shape, channel_axes);
  std::vector<float> hi(index.channels(), 0.0f);
  for (size_t i = 0; i < values.size(); ++i) {
    float& h = hi[index(i)];
    h = std::max(h, std::fabs(values[i]));
  }
  // Dead (all-zero) channels would get a zero scale; give them a small share of the largest.
  const float floor = std::max(0.01f * highest(hi), kMinSymmetricHigh);
  for (float& h : hi) h = std::max(h, floor);
  return hi;
}

}  // namespace torchvino::quant
