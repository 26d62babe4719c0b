#include "quantize/statistics.hpp"

#include <openvino/op/constant.hpp>
#include <openvino/op/reduce_max.hpp>
#include <openvino/op/reduce_min.hpp>
#include <openvino/op/reduce_sum.hpp>
#include <openvino/op/result.hpp>
#include <openvino/op/shape_of.hpp>
#include <openvino/runtime/properties.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

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
         abs_quantile_high.size() + channel_sum.size() + channel_abs_max.size() + sample_channel_min.size() +
         sample_channel_max.size() + 2 + first_shape.size();
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

void StatisticsAccumulator::begin_sample(const ov::Shape& shape) {
  if (ov::shape_size(shape) == 0) throw Error("quantize: an observed tensor is empty");
  ++stats_.sample_count;
  if (stats_.first_shape.empty()) stats_.first_shape = shape;
}

void StatisticsAccumulator::fold_min_max(float lo, float hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) refuse_non_finite();
  stats_.min.push_back(lo);
  stats_.max.push_back(hi);
  stats_.abs_max.push_back(std::max(std::fabs(lo), std::fabs(hi)));
}

bool StatisticsAccumulator::per_channel(const ov::Shape& shape) const {
  return channel_axis_ >= 0 && static_cast<size_t>(channel_axis_) < shape.size();
}

void StatisticsAccumulator::fold_channel_sums(std::span<const double> sums, size_t channels, int64_t per_channel) {
  if (sums.size() != channels) throw Error("quantize: per-channel reductions do not match the tensor's channels");
  if (stats_.channel_sum.empty()) stats_.channel_sum.assign(channels, 0.0);
  if (stats_.channel_sum.size() != channels)
    throw Error("quantize: channel count of an observed tensor changed between samples");
  for (size_t c = 0; c < channels; ++c) stats_.channel_sum[c] += sums[c];
  stats_.channel_count += per_channel;
  // Sums in double of finite floats stay finite: a NaN or infinity shows in them.
  require_finite(stats_.channel_sum);
}

void StatisticsAccumulator::fold_channel_extremes(std::span<const float> max, std::span<const float> min,
                                                  size_t channels) {
  if (max.size() != channels || min.size() != channels)
    throw Error("quantize: per-channel reductions do not match the tensor's channels");
  for (size_t c = 0; c < channels; ++c)
    if (!std::isfinite(max[c]) || !std::isfinite(min[c])) refuse_non_finite();
  if (reducers_.channel_abs_max) {
    if (stats_.channel_abs_max.empty()) stats_.channel_abs_max.assign(channels, 0.0f);
    if (stats_.channel_abs_max.size() != channels)
      throw Error("quantize: channel count of an observed tensor changed between samples");
    for (size_t c = 0; c < channels; ++c)
      stats_.channel_abs_max[c] = std::max(stats_.channel_abs_max[c], std::max(max[c], -min[c]));
  }
  if (reducers_.channel_ranges) {
    if (stats_.sample_channel_min.size() != static_cast<size_t>(stats_.sample_count - 1) * channels)
      throw Error("quantize: channel count of an observed tensor changed between samples");
    stats_.sample_channel_min.insert(stats_.sample_channel_min.end(), min.begin(), min.end());
    stats_.sample_channel_max.insert(stats_.sample_channel_max.end(), max.begin(), max.end());
  }
}

void StatisticsAccumulator::add(const float* data, const ov::Shape& shape) {
  begin_sample(shape);
  const auto flat =
      torch::from_blob(const_cast<float*>(data), {static_cast<int64_t>(ov::shape_size(shape))}, torch::kFloat32);

  // The quantiles' partial sort needs finite values; aminmax, vectorised, proves it when min_max
  // has not already.
  if (reducers_.min_max || reducers_.quantiles) {
    const auto [low, high] = torch::aminmax(flat);
    const float lo = low.item<float>(), hi = high.item<float>();
    if (!std::isfinite(lo) || !std::isfinite(hi)) refuse_non_finite();
    if (reducers_.min_max) fold_min_max(lo, hi);
  }

  if (reducers_.quantiles) {
    const double q = reducers_.quantile;
    scratch_.assign(data, data + flat.numel());
    stats_.quantile_low.push_back(quantile_of(scratch_, q));
    stats_.quantile_high.push_back(quantile_of(scratch_, 1.0 - q));
    for (float& v : scratch_) v = std::fabs(v);
    stats_.abs_quantile_high.push_back(quantile_of(scratch_, 1.0 - q));
  }

  if (!per_channel(shape)) return;
  const auto axis = static_cast<size_t>(channel_axis_);
  const size_t channels = shape[axis];
  if (reducers_.channel_mean) {
    std::vector<double> sums(channels, 0.0);
    const size_t per_channel = add_channel_sums(data, shape, axis, sums);
    fold_channel_sums(sums, channels, static_cast<int64_t>(per_channel));
  }
  if (reducers_.channel_abs_max || reducers_.channel_ranges) {
    const auto view = channel_view(data, shape, axis);
    const auto hi = view.amax({0, 2}).contiguous(), lo = view.amin({0, 2}).contiguous();
    fold_channel_extremes({hi.data_ptr<float>(), channels}, {lo.data_ptr<float>(), channels}, channels);
  }
}

void StatisticsAccumulator::add(const ReducedSample& sample) {
  if (reducers_.quantiles) throw Error("quantize: quantiles need the observed tensor, not its reductions");
  begin_sample(sample.shape);
  // Minima and maxima pass over a NaN; the sum does not.
  if (!std::isfinite(sample.sum)) refuse_non_finite();
  if (reducers_.min_max) fold_min_max(sample.min, sample.max);

  if (!per_channel(sample.shape)) return;
  const size_t channels = sample.shape[static_cast<size_t>(channel_axis_)];
  if (reducers_.channel_mean) {
    const std::vector<double> sums(sample.channel_sum.begin(), sample.channel_sum.end());
    fold_channel_sums(sums, channels, static_cast<int64_t>(ov::shape_size(sample.shape) / channels));
  }
  if (reducers_.channel_abs_max || reducers_.channel_ranges)
    fold_channel_extremes(sample.channel_max, sample.channel_min, channels);
}

TensorStatistics rescale_channels(const TensorStatistics& x, std::span<const float> k, const Reducers& wanted) {
  if (wanted.quantiles) throw Error("quantize: quantiles of a rescaled tensor cannot be derived from the original's");
  for (const float f : k)
    if (!(f > 0.0f) || !std::isfinite(f)) throw Error("quantize: channel rescaling factors must be positive and finite");
  const size_t channels = k.size();
  const auto samples = static_cast<size_t>(x.sample_count);
  auto need = [](bool held, const std::string& what) {
    if (!held) throw Error("quantize: the " + what + " of a rescaled tensor cannot be derived: the original's " +
                           "statistics lack what it needs");
  };
  TensorStatistics y;
  y.sample_count = x.sample_count;
  y.first_shape = x.first_shape;
  if (wanted.min_max || wanted.channel_ranges) {
    need(x.sample_channel_min.size() == samples * channels && x.sample_channel_max.size() == samples * channels,
         "min and max");
    for (size_t s = 0; s < samples; ++s) {
      float lo = std::numeric_limits<float>::infinity(), hi = -lo;
      for (size_t c = 0; c < channels; ++c) {
        // x·k rounds monotonically for k > 0: the extremes of the product are the products of the extremes.
        const float a = x.sample_channel_min[s * channels + c] * k[c], b = x.sample_channel_max[s * channels + c] * k[c];
        lo = std::min(lo, a);
        hi = std::max(hi, b);
        if (wanted.channel_ranges) {
          y.sample_channel_min.push_back(a);
          y.sample_channel_max.push_back(b);
        }
      }
      if (wanted.min_max) {
        y.min.push_back(lo);
        y.max.push_back(hi);
        y.abs_max.push_back(std::max(std::fabs(lo), std::fabs(hi)));
      }
    }
  }
  if (wanted.channel_mean) {
    need(x.channel_sum.size() == channels, "channel means");
    for (size_t c = 0; c < channels; ++c) y.channel_sum.push_back(x.channel_sum[c] * static_cast<double>(k[c]));
    y.channel_count = x.channel_count;
  }
  if (wanted.channel_abs_max) {
    need(x.channel_abs_max.size() == channels, "channel maxima");
    for (size_t c = 0; c < channels; ++c) y.channel_abs_max.push_back(x.channel_abs_max[c] * k[c]);
  }
  return y;
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

// The clone of `model` with the observed tensors marked, and those tensors in the clone.
std::pair<std::shared_ptr<ov::Model>, ov::OutputVector> clone_observed(const std::shared_ptr<ov::Model>& model,
                                                                      const std::vector<StatisticPoint>& points) {
  std::map<ov::Node*, int64_t> ids;
  for (const auto& p : points) ids.emplace(p.tensor.get_node(), static_cast<int64_t>(ids.size()));
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
  ov::OutputVector observed;
  for (const auto& p : points) {
    const auto& node = by_id.at(static_cast<size_t>(ids.at(p.tensor.get_node())));
    if (!node) throw Error("quantize: an observed tensor is not part of the model");
    observed.push_back(node->output(p.tensor.get_index()));
  }
  return {clone, observed};
}

constexpr size_t kNone = SIZE_MAX;

// Where a point's statistics come out of the observing model. Reductions the plugin can do are
// added to the graph: it computes them on its own threads, on its own blocked layouts, fused with
// the layer before, and only a few numbers per sample leave the inference. (Copying every observed
// activation out and reducing it here took a third of ResNeXt-50's calibration.) Quantiles need the
// values, so such a point gets the tensor itself.
struct PointOutputs {
  size_t tensor = kNone;  // the whole tensor
  size_t shape = kNone, min = kNone, max = kNone, sum = kNone;
  size_t channel_sum = kNone, channel_max = kNone, channel_min = kNone;
};

PointOutputs add_outputs(const ov::Output<ov::Node>& x, const StatisticPoint& point, ov::ResultVector& results) {
  auto emit = [&](const ov::Output<ov::Node>& o) {
    results.push_back(std::make_shared<ov::op::v0::Result>(o));
    return results.size() - 1;
  };
  PointOutputs out;
  const auto& shape = x.get_partial_shape();
  if (point.reducers.quantiles || x.get_element_type() != ov::element::f32 || shape.rank().is_dynamic() ||
      shape.rank().get_length() == 0) {
    out.tensor = emit(x);
    return out;
  }
  const int64_t rank = shape.rank().get_length();
  auto axes_except = [&](int64_t kept) {
    std::vector<int64_t> axes;
    for (int64_t d = 0; d < rank; ++d)
      if (d != kept) axes.push_back(d);
    return ov::op::v0::Constant::create(ov::element::i64, {axes.size()}, axes);
  };
  out.shape = emit(std::make_shared<ov::op::v3::ShapeOf>(x, ov::element::i64));
  const auto all = axes_except(-1);
  const auto& r = point.reducers;
  if (r.min_max) {
    out.min = emit(std::make_shared<ov::op::v1::ReduceMin>(x, all, false));
    out.max = emit(std::make_shared<ov::op::v1::ReduceMax>(x, all, false));
  }
  const bool per_channel = point.channel_axis >= 0 && point.channel_axis < rank;
  if (per_channel && r.channel_mean) {
    out.channel_sum = emit(std::make_shared<ov::op::v1::ReduceSum>(x, axes_except(point.channel_axis), false));
  } else {
    out.sum = emit(std::make_shared<ov::op::v1::ReduceSum>(x, all, false));  // the NaN guard
  }
  if (per_channel && (r.channel_abs_max || r.channel_ranges)) {
    const auto rest = axes_except(point.channel_axis);
    out.channel_max = emit(std::make_shared<ov::op::v1::ReduceMax>(x, rest, false));
    out.channel_min = emit(std::make_shared<ov::op::v1::ReduceMin>(x, rest, false));
  }
  return out;
}

std::shared_ptr<ov::Model> observing_model(const std::shared_ptr<ov::Model>& model,
                                           const std::vector<StatisticPoint>& points, bool observed_only,
                                           std::vector<PointOutputs>& outputs, size_t& first_extra) {
  // Not a structured binding: clang cannot capture one in the lambdas below.
  const auto cloned = clone_observed(model, points);
  const auto& clone = cloned.first;
  const ov::OutputVector& observed = cloned.second;
  // Points on one tensor share its reductions (a shape, one NaN guard), as long as they agree on
  // the channel axis; a point that needs the values keeps its own output.
  using Key = std::pair<ov::Node*, size_t>;
  auto key = [&](size_t i) { return Key{observed[i].get_node(), observed[i].get_index()}; };
  auto per_channel = [](const StatisticPoint& p) {
    return p.reducers.channel_mean || p.reducers.channel_abs_max || p.reducers.channel_ranges;
  };
  std::map<Key, std::set<int64_t>> axes;
  for (size_t i = 0; i < points.size(); ++i)
    if (per_channel(points[i])) axes[key(i)].insert(points[i].channel_axis);
  std::map<Key, StatisticPoint> merged;
  auto shared = [&](size_t i) { return !points[i].reducers.quantiles && axes[key(i)].size() <= 1; };
  for (size_t i = 0; i < points.size(); ++i) {
    if (!shared(i)) continue;
    auto [it, fresh] = merged.try_emplace(key(i), points[i]);
    auto& r = it->second.reducers;
    r.min_max |= points[i].reducers.min_max;
    r.channel_mean |= points[i].reducers.channel_mean;
    r.channel_abs_max |= points[i].reducers.channel_abs_max;
    r.channel_ranges |= points[i].reducers.channel_ranges;
    if (per_channel(points[i])) it->second.channel_axis = points[i].channel_axis;
  }
  ov::ResultVector extra;
  std::map<Key, PointOutputs> made;
  for (size_t i = 0; i < points.size(); ++i) {
    if (!shared(i)) {
      outputs.push_back(add_outputs(observed[i], points[i], extra));
      continue;
    }
    auto it = made.find(key(i));
    if (it == made.end()) it = made.emplace(key(i), add_outputs(observed[i], merged.at(key(i)), extra)).first;
    outputs.push_back(it->second);
  }
  first_extra = observed_only ? 0 : clone->get_results().size();
  if (observed_only) return std::make_shared<ov::Model>(extra, clone->get_parameters());
  clone->add_results(extra);
  return clone;
}

std::span<const float> floats(const ov::Tensor& t) { return {t.data<const float>(), t.get_size()}; }

// One sample of a point's statistics, from the outputs of the request that produced it.
void accumulate(StatisticsAccumulator& accumulator, const PointOutputs& where, ov::InferRequest& request,
                const ov::CompiledModel& compiled, size_t first_extra) {
  auto tensor = [&](size_t i) { return request.get_tensor(compiled.output(first_extra + i)); };
  if (where.tensor != kNone) {
    const ov::Tensor out = tensor(where.tensor);
    if (out.get_element_type() != ov::element::f32)
      throw Error("quantize: observed tensors must be float32, got " + out.get_element_type().get_type_name());
    accumulator.add(out.data<const float>(), out.get_shape());
    return;
  }
  ReducedSample sample;
  const ov::Tensor dims = tensor(where.shape);
  const auto* d = dims.data<const int64_t>();
  sample.shape.assign(d, d + dims.get_size());
  // The tensors stay alive until the accumulator has read them.
  ov::Tensor min, max, sum, channel_sum, channel_max, channel_min;
  if (where.min != kNone) {
    min = tensor(where.min), max = tensor(where.max);
    sample.min = *min.data<const float>();
    sample.max = *max.data<const float>();
  }
  if (where.sum != kNone) {
    sum = tensor(where.sum);
    sample.sum = *sum.data<const float>();
  }
  if (where.channel_sum != kNone) {
    channel_sum = tensor(where.channel_sum);
    sample.channel_sum = floats(channel_sum);
    for (const float v : sample.channel_sum) sample.sum += v;
  }
  if (where.channel_max != kNone) {
    channel_max = tensor(where.channel_max), channel_min = tensor(where.channel_min);
    sample.channel_max = floats(channel_max);
    sample.channel_min = floats(channel_min);
  }
  accumulator.add(sample);
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

  std::vector<PointOutputs> outputs;
  size_t first_extra = 0;
  auto observed = observing_model(model, tensors, options.observed_only, outputs, first_extra);
  const int64_t batch = settle_batch(observed, options.batch_size);
  const bool static_batch = observed->get_parameters().front()->get_partial_shape().is_static();

  // Several requests in flight, each on its own stream, rather than one request's threads meeting
  // at every layer: the small reductions leave no core idle, and a thread another process delays
  // holds up only its own image (quantize under load). Samples are still folded in order.
  RunSettings settings = runtime;
  if (!settings.hint) {
    settings.hint = PerformanceHint::Throughput;
    settings.requests = 0;
  }
  auto compiled = compile_model(observed, settings);

  const int64_t count = std::min<int64_t>(std::max<int64_t>(options.subset_size, 1), images.size(0));
  const auto data = images.slice(0, 0, count).to(torch::kFloat32).contiguous();
  // A fixed-batch model cannot take a short last batch: those images are left out.
  const int64_t total = static_batch ? count / batch : (count + batch - 1) / batch;
  if (total == 0) throw Error("quantize: fewer calibration images than the model's fixed batch");

  const auto optimal = compiled.get_property(ov::optimal_number_of_infer_requests);
  const auto depth = static_cast<size_t>(std::clamp<int64_t>(static_cast<int64_t>(optimal), 1, std::min<int64_t>(total, 8)));
  std::vector<ov::InferRequest> requests;
  for (size_t r = 0; r < depth; ++r) requests.push_back(compiled.create_infer_request());
  // On an error no request may still be writing into what this frame owns.
  struct Settle {
    std::vector<ov::InferRequest>& requests;
    ~Settle() {
      for (auto& r : requests) try {
          r.wait();
        } catch (...) {
        }
    }
  } settle{requests};
  auto submit = [&](int64_t b) {
    const int64_t start = b * batch;
    auto slice = data.slice(0, start, std::min(start + batch, count));  // contiguous: rows of `data`
    ov::Shape shape(slice.sizes().begin(), slice.sizes().end());
    auto& request = requests[static_cast<size_t>(b) % depth];
    request.set_input_tensor(ov::Tensor(ov::element::f32, shape, slice.data_ptr<float>()));
    request.start_async();
  };

  std::vector<StatisticsAccumulator> accumulators;
  for (const auto& t : tensors)
    accumulators.emplace_back(t.reducers, t.channel_axis);
  for (int64_t b = 0; b < std::min<int64_t>(total, static_cast<int64_t>(depth)); ++b) submit(b);
  for (int64_t b = 0; b < total; ++b) {
    auto& request = requests[static_cast<size_t>(b) % depth];
    request.wait();
    const int64_t start = b * batch;
    for (size_t i = 0; i < tensors.size(); ++i) {
      if (tensors[i].images > 0 && start >= tensors[i].images) continue;
      try {
        accumulate(accumulators[i], outputs[i], request, compiled, first_extra);
      } catch (const Error& e) {
        throw Error(std::string(e.what()) + ", at the output of '" + tensors[i].tensor.get_node()->get_friendly_name() +
                    "' (calibration batch " + std::to_string(b + 1) + ")");
      }
    }
    if (b + static_cast<int64_t>(depth) < total) submit(b + static_cast<int64_t>(depth));
    if (options.on_progress) options.on_progress(b + 1, total);
  }

  std::vector<TensorStatistics> result;
  result.reserve(accumulators.size());
  for (auto& a : accumulators) result.push_back(a.take());
  return result;
}

}  // namespace torchvino::quant
