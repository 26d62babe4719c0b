#pragma once
// Runs calibration data through a model and keeps, for each statistic point, the reductions it
// asked for: a few scalars per sample or per channel, never the tensors themselves.
#include <openvino/core/model.hpp>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "torchvino/runtime.hpp"

namespace torchvino::quant {

struct StatisticsOptions {
  int64_t subset_size = 300;
  int64_t batch_size = 1;
  // Compute only what the observed tensors need (the model's own outputs are dropped), e.g. a
  // layer early in the graph observed on its own.
  bool observed_only = false;
  std::function<void(int64_t done, int64_t total)> on_progress;
};

// Adds, for every channel c along `axis`, the sum of the row-major tensor's elements of that
// channel to sums[c] (sums must have shape[axis] entries). Returns the elements per channel.
size_t add_channel_sums(const float* data, const ov::Shape& shape, size_t axis, std::vector<double>& sums);

// Raises abs_max[c] to the largest |x| of channel c along `axis` (abs_max has shape[axis] entries).
// Error on a NaN or an infinity.
void add_channel_abs_max(const float* data, const ov::Shape& shape, size_t axis, std::vector<float>& abs_max);

// The reductions a statistic point asks for. Each is its own pass over the tensor per sample
// (on a ResNet-50 batch, tens of millions of values), so a point names only what its step reads.
// A histogram would be one more field here and one more member of TensorStatistics.
struct Reducers {
  bool min_max = false;          // per sample: min, max and max |x|
  bool quantiles = false;        // per sample: the `quantile` and 1 − `quantile` quantiles, and that of |x|
  double quantile = 1e-4;
  bool channel_mean = false;     // per channel along the point's channel axis, over all samples
  bool channel_abs_max = false;  // likewise, max |x|
  // Per sample and channel: min and max. samples × channels scalars, kept only for tensors whose
  // statistics are later derived for a rescaled copy of them (rescale_channels).
  bool channel_ranges = false;
};

// The reductions of one tensor; only those its point asked for are filled. Per-sample vectors
// have one entry per sample.
struct TensorStatistics {
  std::vector<float> min, max, abs_max;
  std::vector<float> quantile_low, quantile_high, abs_quantile_high;
  std::vector<double> channel_sum;     // sums over everything but the channel axis, all samples
  std::vector<float> channel_abs_max;  // max |x| over everything but the channel axis, all samples
  std::vector<float> sample_channel_min, sample_channel_max;  // channel_ranges: [sample][channel]
  int64_t channel_count = 0;           // elements summed into each channel_sum entry
  int64_t sample_count = 0;
  ov::Shape first_shape;               // the tensor's shape on the first sample

  int64_t samples() const { return sample_count; }
  std::vector<float> channel_mean() const;
  // Scalars held: what memory grows with as more samples arrive.
  size_t retained_scalars() const;
};

// One sample of a tensor already reduced by the inference that produced it (collect_statistics
// adds the reductions to the observing model): what StatisticsAccumulator::add would compute from
// the tensor, without the tensor. The spans are empty for reducers not asked for.
struct ReducedSample {
  ov::Shape shape;
  float min = 0, max = 0;              // min_max
  double sum = 0;                      // of every value: NaN or infinite when any value is
  std::span<const float> channel_sum;  // channel_mean
  std::span<const float> channel_max, channel_min;  // channel_abs_max, channel_ranges
};

// Folds one sample of a tensor into its statistics. A non-finite value (NaN, infinity) is refused
// by whichever reduction meets it first.
class StatisticsAccumulator {
 public:
  StatisticsAccumulator(const Reducers& reducers, int64_t channel_axis)
      : reducers_(reducers), channel_axis_(channel_axis) {}
  void add(const float* data, const ov::Shape& shape);
  // The same from reductions (no quantiles: they need the values themselves).
  void add(const ReducedSample& sample);
  const TensorStatistics& statistics() const { return stats_; }
  TensorStatistics take() { return std::move(stats_); }

 private:
  // The bookkeeping both add()s share, once each has its reductions.
  void begin_sample(const ov::Shape& shape);
  void fold_min_max(float lo, float hi);
  void fold_channel_sums(std::span<const double> sums, size_t channels, int64_t per_channel);
  void fold_channel_extremes(std::span<const float> max, std::span<const float> min, size_t channels);
  bool per_channel(const ov::Shape& shape) const;

  Reducers reducers_;
  int64_t channel_axis_;  // for the per-channel reducers; ignored beyond the tensor's rank
  TensorStatistics stats_;
  std::vector<float> scratch_;  // reused between samples for the quantile partial sort
};

// NNCF's statistic point: a tensor of the model and the reductions wanted of it.
struct StatisticPoint {
  ov::Output<ov::Node> tensor;
  Reducers reducers;
  int64_t channel_axis = -1;  // the per-channel reducers' axis
  // Only batches within the first `images` calibration images count (0: all), so that a step
  // can compare with a later, shorter measurement on exactly the same images.
  int64_t images = 0;
};

// Observes the `points` of `model` (which is left unchanged) on the first subset_size images of
// `images` (N×C×H×W float32), in one pass; each batch of batch_size images is one sample. The
// model must have a single input.
std::vector<TensorStatistics> collect_statistics(const std::shared_ptr<ov::Model>& model,
                                                 const std::vector<StatisticPoint>& points,
                                                 const torch::Tensor& images,
                                                 const StatisticsOptions& options,
                                                 const RuntimeContext& runtime);

// The statistics x·k would have, k_c > 0 per channel along the axis x's statistics were taken
// on, from those of x: min/max from its per-sample channel ranges (min_c fl(k_c·min_c), as the
// float multiplication rounds), channel sums and maxima scaled. Quantiles cannot be derived.
// `wanted` names what to derive; x must hold what that needs.
TensorStatistics rescale_channels(const TensorStatistics& x, std::span<const float> k, const Reducers& wanted);

// Linear-interpolated quantile q of values (reordered in place), as numpy's default.
float quantile_of(std::vector<float>& values, double q);

}  // namespace torchvino::quant
