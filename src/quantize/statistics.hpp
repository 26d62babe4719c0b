#pragma once
// Runs calibration data through the FP32 model and keeps, for each observed tensor, a few
// scalars per sample (and a per-channel running sum), never the tensors themselves.
#include <openvino/core/model.hpp>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "torchvino/runtime.hpp"

namespace torchvino::quant {

struct StatisticsOptions {
  int64_t subset_size = 300;
  int64_t batch_size = 1;
  bool quantiles = false;  // also keep per-sample quantiles (costs a partial sort per sample)
  double quantile = 1e-4;
  // Compute only what the observed tensors need (the model's own outputs are dropped), e.g. a
  // layer early in the graph observed on its own.
  bool observed_only = false;
  std::function<void(int64_t done, int64_t total)> on_progress;
};

// Adds, for every channel c along `axis`, the sum of the row-major tensor's elements of that
// channel to sums[c] (sums must have shape[axis] entries). Returns the elements per channel.
size_t add_channel_sums(const float* data, const ov::Shape& shape, size_t axis, std::vector<double>& sums);

// Raises abs_max[c] to the largest |x| of channel c along `axis` (abs_max has shape[axis] entries).
void add_channel_abs_max(const float* data, const ov::Shape& shape, size_t axis, std::vector<float>& abs_max);

// Reductions of one tensor; every vector but channel_sum has one entry per sample.
struct TensorStatistics {
  std::vector<float> min, max, abs_max;
  std::vector<float> quantile_low, quantile_high, abs_quantile_high;
  std::vector<double> channel_sum;  // sums over everything but the channel axis, all samples
  std::vector<float> channel_abs_max;  // max |x| over everything but the channel axis, all samples
  int64_t channel_count = 0;        // elements summed into each channel_sum entry
  ov::Shape first_shape;            // the tensor's shape on the first sample

  int64_t samples() const { return static_cast<int64_t>(min.size()); }
  std::vector<float> channel_mean() const;
  // Scalars held: what memory grows with as more samples arrive.
  size_t retained_scalars() const;
};

// Folds one sample of a tensor into its statistics.
class StatisticsAccumulator {
 public:
  StatisticsAccumulator(int64_t channel_axis, bool quantiles, double quantile)
      : channel_axis_(channel_axis), quantiles_(quantiles), quantile_(quantile) {}
  void add(const float* data, const ov::Shape& shape);
  const TensorStatistics& statistics() const { return stats_; }
  TensorStatistics take() { return std::move(stats_); }

 private:
  int64_t channel_axis_;  // -1: no per-channel sums
  bool quantiles_;
  double quantile_;
  TensorStatistics stats_;
  std::vector<float> scratch_;  // reused between samples for the quantile partial sort
};

struct ObservedTensor {
  ov::Output<ov::Node> tensor;
  int64_t channel_axis = -1;  // keep per-channel means along this axis (-1: none)
  // Only batches within the first `images` calibration images count (0: all), so that a step
  // can compare with a later, shorter measurement on exactly the same images.
  int64_t images = 0;
};

// Observes `tensors` of `model` (which is left unchanged) on the first subset_size images of
// `images` (N×C×H×W float32); each batch of batch_size images is one sample. The model must
// have a single input.
std::vector<TensorStatistics> collect_statistics(const std::shared_ptr<ov::Model>& model,
                                                 const std::vector<ObservedTensor>& tensors,
                                                 const torch::Tensor& images,
                                                 const StatisticsOptions& options,
                                                 const RuntimeContext& runtime);

// Linear-interpolated quantile q of values (reordered in place), as numpy's default.
float quantile_of(std::vector<float>& values, double q);

}  // namespace torchvino::quant
