#include "quantize/statistics.hpp"

#include <openvino/op/result.hpp>
#include <openvino/runtime/properties.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino::quant {

float quantile_of(std::vector<float>& values, double q) {
  if (values.empty()) return 0.0f;
  const double position = q * static_cast<double>(values.size() - 1);
  const auto k = static_cast<size_t>(std::floor(position));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  const float below = values[k];
  const double fraction = position - static_cast<double>(k);
  if (fraction <= 0 || k + 1 >= values.size()) return below;
  // After nth_element everything right of k is ≥ values[k]; the next order statistic is
  // their minimum.
  const float above = *std::min_element(values.begin() + k + 1, values.end());
  return static_cast<float>(below + fraction * (above - below));
}

std::vector<float> TensorStatistics::channel_mean() const {
  std::vector<float> mean(channel_sum.size());
  for (size_t c = 0; c < mean.size(); ++c)
    mean[c] = channel_count ? static_cast<float>(channel_sum[c] / static_cast<double>(channel_count)) : 0.0f;
  return mean;
}

size_t TensorStatistics::retained_scalars() const {
  return min.size() + max.size() + abs_max.size() + quantile_low.size() + quantile_high.size() +
         abs_quantile_high.size() + channel_sum.size() + channel_abs_max.size() + 2 + first_shape.size();
}

namespace {

// A read-only view of an observed tensor as outer × channels × inner, for torch's reductions:
// they are vectorised and use the intra-op threads, where a plain loop over the tens of millions
// of values a ResNet-50 batch yields would dominate calibration.
torch::Tensor channel_view(const float* data, const ov::Shape& shape, size_t axis) {
  const auto channels = static_cast<int64_t>(shape.at(axis));
  int64_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= static_cast<int64_t>(shape[d]);
  const int64_t outer = channels * inner == 0 ? 0 : static_cast<int64_t>(ov::shape_size(shape)) / (channels * inner);
  return torch::from_blob(const_cast<float*>(data), {outer, channels, inner}, torch::kFloat32);
}

// A NaN or infinity would become a meaningless range or correction: say so instead of quantizing
// with it. (The caller adds which op produced it.)
[[noreturn]] void refuse_non_finite() {
  throw Error("quantize: the model produced a non-finite value (NaN or infinity) on a calibration image");
}

void require_finite(const std::vector<double>& values) {
  for (const double v : values)
    if (!std::isfinite(v)) refuse_non_finite();
}

}  // namespace

void StatisticsAccumulator::add(const float* data, const ov::Shape& shape) {
  const size_t n = ov::shape_size(shape);
  if (n == 0) throw Error("quantize: an observed tensor is empty");
  ++stats_.sample_count;
  if (stats_.first_shape.empty()) stats_.first_shape = shape;
  const auto flat = torch::from_blob(const_cast<float*>(data), {static_cast<int64_t>(n)}, torch::kFloat32);

  // The quantiles' partial sort needs finite values; aminmax, vectorised, proves it when min_max
  // has not already.
  if (reducers_.min_max || reducers_.quantiles) {
    const auto [low, high] = torch::aminmax(flat);
    const float lo = low.item<float>(), hi = high.item<float>();
    if (!std::isfinite(lo) || !std::isfinite(hi)) refuse_non_finite();
    if (reducers_.min_max) {
      stats_.min.push_back(lo);
      stats_.max.push_back(hi);
      stats_.abs_max.push_back(std::max(std::fabs(lo), std::fabs(hi)));
    }
  }

  if (reducers_.quantiles) {
    const double q = reducers_.quantile;
    scratch_.assign(data, data + n);
    stats_.quantile_low.push_back(quantile_of(scratch_, q));
    stats_.quantile_high.push_back(quantile_of(scratch_, 1.0 - q));
    for (float& v : scratch_) v = std::fabs(v);
    stats_.abs_quantile_high.push_back(quantile_of(scratch_, 1.0 - q));
  }

  if (channel_axis_ < 0 || static_cast<size_t>(channel_axis_) >= shape.size()) return;
  const auto axis = static_cast<size_t>(channel_axis_);
  if (reducers_.channel_mean) {
    if (stats_.channel_sum.empty()) stats_.channel_sum.assign(shape[axis], 0.0);
    if (stats_.channel_sum.size() != shape[axis])
      throw Error("quantize: channel count of an observed tensor changed between samples");
    stats_.channel_count += static_cast<int64_t>(add_channel_sums(data, shape, axis, stats_.channel_sum));
    // Sums in double of finite floats stay finite: a NaN or infinity shows in them.
    require_finite(stats_.channel_sum);
  }
  if (reducers_.channel_abs_max) {
    if (stats_.channel_abs_max.empty()) stats_.channel_abs_max.assign(shape[axis], 0.0f);
    add_channel_abs_max(data, shape, axis, stats_.channel_abs_max);
  }
}

void add_channel_abs_max(const float* data, const ov::Shape& shape, size_t axis, std::vector<float>& abs_max) {
  if (abs_max.size() != shape.at(axis)) throw Error("quantize: per-channel maxima do not match the tensor's channels");
  const auto view = channel_view(data, shape, axis);
  if (view.numel() == 0) return;
  // |x| peaks at the channel's minimum or maximum: two reductions, no |x| copy.
  const auto peak = torch::maximum(view.amax({0, 2}), view.amin({0, 2}).neg()).contiguous();
  const float* p = peak.data_ptr<float>();
  for (size_t c = 0; c < abs_max.size(); ++c) {
    // Checked here: std::max would drop a NaN peak.
    if (!std::isfinite(p[c])) refuse_non_finite();
    abs_max[c] = std::max(abs_max[c], p[c]);
  }
}

size_t add_channel_sums(const float* data, const ov::Shape& shape, size_t axis, std::vector<double>& sums) {
  if (sums.size() != shape.at(axis)) throw Error("quantize: per-channel sums do not match the tensor's channels");
  const auto view = channel_view(data, shape, axis);
  if (view.numel() == 0) return 0;
  const auto total = view.sum({0, 2}, /*keepdim=*/false, torch::kFloat64).contiguous();
  const double* t = total.data_ptr<double>();
  for (size_t c = 0; c < sums.size(); ++c) sums[c] += t[c];
  return static_cast<size_t>(view.size(0) * view.size(2));
}

namespace {

// The clone has its own nodes; a temporary rt_info tag tells which clone node stands for which
// observed node, since friendly names need not be unique.
constexpr const char* kObserveTag = "torchvino_quantize_observed";

std::shared_ptr<ov::Model> clone_with_outputs(const std::shared_ptr<ov::Model>& model,
                                              const std::vector<StatisticPoint>& tensors, bool observed_only) {
  std::map<ov::Node*, int64_t> ids;
  for (const auto& t : tensors) ids.emplace(t.tensor.get_node(), static_cast<int64_t>(ids.size()));
  for (auto& [node, id] : ids) node->get_rt_info()[kObserveTag] = id;
  auto clone = model->clone();
  for (auto& [node, id] : ids) node->get_rt_info().erase(kObserveTag);

  std::vector<std::shared_ptr<ov::Node>> by_id(ids.size());
  for (const auto& op : clone->get_ordered_ops()) {
    auto& info = op->get_rt_info();
    auto it = info.find(kObserveTag);
    if (it == info.end()) continue;
    by_id.at(static_cast<size_t>(it->second.as<int64_t>())) = op;
    info.erase(it);
  }
  ov::ResultVector extra;
  for (const auto& t : tensors) {
    const auto& node = by_id.at(static_cast<size_t>(ids.at(t.tensor.get_node())));
    if (!node) throw Error("quantize: an observed tensor is not part of the model");
    extra.push_back(std::make_shared<ov::op::v0::Result>(node->output(t.tensor.get_index())));
  }
  if (observed_only) return std::make_shared<ov::Model>(extra, clone->get_parameters());
  clone->add_results(extra);
  return clone;
}

// Prefers the requested batch; a model whose batch is fixed and cannot be reshaped keeps its own.
int64_t settle_batch(const std::shared_ptr<ov::Model>& model, int64_t wanted) {
  auto shape = model->get_parameters().front()->get_partial_shape();
  if (shape.rank().is_dynamic() || shape.rank().get_length() == 0) return wanted;
  if (shape[0].is_dynamic() || shape[0].get_length() == wanted) return wanted;
  const int64_t fixed = shape[0].get_length();
  shape[0] = wanted;
  try {
    model->reshape(shape);
    return wanted;
  } catch (const std::exception&) {
    return fixed;
  }
}

}  // namespace

std::vector<TensorStatistics> collect_statistics(const std::shared_ptr<ov::Model>& model,
                                                 const std::vector<StatisticPoint>& tensors,
                                                 const torch::Tensor& images,
                                                 const StatisticsOptions& options,
                                                 const RuntimeContext& runtime) {
  if (model->get_parameters().size() != 1)
    throw Error("quantize: only models with one input can be calibrated");
  if (options.batch_size < 1) throw Error("quantize: batch size must be at least 1");
  if (!images.defined() || images.dim() < 1 || images.size(0) == 0)
    throw Error("quantize: the calibration set is empty");
  if (tensors.empty()) return {};

  auto observed = clone_with_outputs(model, tensors, options.observed_only);
  const size_t first_extra = observed->get_results().size() - tensors.size();
  const int64_t batch = settle_batch(observed, options.batch_size);
  const bool static_batch = observed->get_parameters().front()->get_partial_shape().is_static();

  auto compiled = compile_model(observed, runtime);
  auto request = compiled.create_infer_request();

  const int64_t count = std::min<int64_t>(std::max<int64_t>(options.subset_size, 1), images.size(0));
  const auto data = images.slice(0, 0, count).to(torch::kFloat32).contiguous();
  // A fixed-batch model cannot take a short last batch: those images are left out.
  const int64_t total = static_batch ? count / batch : (count + batch - 1) / batch;
  if (total == 0) throw Error("quantize: fewer calibration images than the model's fixed batch");

  std::vector<StatisticsAccumulator> accumulators;
  for (const auto& t : tensors)
    accumulators.emplace_back(t.reducers, t.channel_axis);
  for (int64_t b = 0; b < total; ++b) {
    const int64_t start = b * batch;
    auto slice = data.slice(0, start, std::min(start + batch, count)).contiguous();
    ov::Shape shape(slice.sizes().begin(), slice.sizes().end());
    request.set_input_tensor(ov::Tensor(ov::element::f32, shape, slice.data_ptr<float>()));
    request.infer();
    for (size_t i = 0; i < tensors.size(); ++i) {
      if (tensors[i].images > 0 && start >= tensors[i].images) continue;
      const ov::Tensor out = request.get_tensor(compiled.output(first_extra + i));
      if (out.get_element_type() != ov::element::f32)
        throw Error("quantize: observed tensors must be float32, got " + out.get_element_type().get_type_name());
      try {
        accumulators[i].add(out.data<const float>(), out.get_shape());
      } catch (const Error& e) {
        throw Error(std::string(e.what()) + ", at the output of '" + tensors[i].tensor.get_node()->get_friendly_name() +
                    "' (calibration batch " + std::to_string(b + 1) + ")");
      }
    }
    if (options.on_progress) options.on_progress(b + 1, total);
  }

  std::vector<TensorStatistics> result;
  result.reserve(accumulators.size());
  for (auto& a : accumulators) result.push_back(a.take());
  return result;
}

}  // namespace torchvino::quant
