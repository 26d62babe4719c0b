// The engine: the stages built from the options, each step fed the statistics it asked for, the
// quantizers placed when a stage first needs them. Every step is in its own file; this one orders
// them and reports.
#include "util/serial_libtorch.hpp"
#include <openvino/pass/constant_folding.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <span>

#include "quantize/ignored_scope.hpp"
#include "quantize/model_type.hpp"
#include "quantize/overflow_fix.hpp"
#include "quantize/step.hpp"
#include "torchvino/error.hpp"
#include "torchvino/limits.hpp"
#include "torchvino/quantize.hpp"
#include "util/strings.hpp"

namespace torchvino {
namespace {

using namespace quant;

// The limits the command line and the config file apply too (torchvino/limits.hpp).
void check(const QuantizeOptions& o) {
  limits::subset_size.check("subset_size", static_cast<double>(o.subset_size));
  limits::calibration_seed.check("calibration_seed", static_cast<double>(o.calibration_seed));
  limits::at_least_one.check("batch_size", static_cast<double>(o.batch_size));
  limits::quantile.check("quantile", o.quantile);
  limits::smooth_quant_alpha.check("smooth_quant_alpha", o.smooth_quant_alpha);
}

// One statement per algorithm. A stage measures the model the stages before it left.
std::vector<Stage> build_stages(const QuantizeOptions& o, const QuantizeState& state) {
  std::vector<Stage> stages(2);
  auto& rescale = stages[0].steps;  // steps that change the activations the ranges are measured on
  auto& calibrate = stages[1].steps;
  stages[1].calibration = true;
  if (state.model_type == ModelType::Transformer && o.smooth_quant_alpha >= 0)
    rescale.push_back(make_smooth_quant_step());
  calibrate.push_back(make_min_max_step());
  if (o.bias_correction == BiasCorrection::Fast) calibrate.push_back(make_fast_bias_correction_step());
  if (o.bias_correction == BiasCorrection::Full) calibrate.push_back(make_full_bias_correction_step());
  return stages;
}

std::string no_vnni_note(OverflowFix fix) {
  if (fix == OverflowFix::Enable)
    return "this CPU has no VNNI (AVX-512 VNNI / AVX-VNNI): INT8 convolutions add u8×i8 products in int16, "
           "so every layer's weights are quantized to 7 bits (overflow fix) to avoid saturation";
  return "this CPU has no VNNI (AVX-512 VNNI / AVX-VNNI) and the overflow fix is " + to_string(fix) +
         ": 8-bit weights may saturate on it (overflow_fix=enable avoids that)";
}

void choose_seven_bit_layers(QuantizeState& state) {
  const bool vnni = cpu_has_vnni();
  state.overflow_fix = resolve_overflow_fix(state.options.overflow_fix, vnni);
  const auto note = no_vnni_note(state.overflow_fix);
  if (!vnni && std::find(state.notes.begin(), state.notes.end(), note) == state.notes.end())
    state.notes.push_back(note);
  state.seven_bit.clear();
  if (state.overflow_fix == OverflowFix::Enable) {
    for (const auto& w : state.plan.weights) state.seven_bit.insert(w.op.get());
  } else if (state.overflow_fix == OverflowFix::FirstLayer) {
    state.seven_bit = first_quantized_layers(*state.model, state.plan);
  }
}

// Where quantizers go, on the model as the stages so far left it, and what follows from that.
void place_quantizers(QuantizeState& state) {
  const auto& o = state.options;
  state.plan = analyse(state.model,
                       AnalysisOptions{o.quantize_residual_adds, o.quantize_pooling,
                                       state.model_type == ModelType::Transformer},
                       state.ignored);
  state.bias_corrected.assign(state.plan.layers.size(), false);
  choose_seven_bit_layers(state);
}

bool needs_placement(const Stage& stage) {
  return std::any_of(stage.steps.begin(), stage.steps.end(), [](const auto& step) { return step->needs_placement(); });
}

bool only_rescales(const Stage& stage) {
  return !stage.steps.empty() && std::all_of(stage.steps.begin(), stage.steps.end(),
                                             [](const auto& step) { return step->rescales_channels(); });
}

// The points every step of a stage asks for, in order, and where each step's begin.
struct StagePoints {
  std::vector<StatisticPoint> points;
  std::vector<size_t> first;  // per step, and the end
};

StagePoints points_of(const Stage& stage, const QuantizeState& state) {
  StagePoints p;
  for (const auto& step : stage.steps) {
    p.first.push_back(p.points.size());
    for (auto& point : step->statistic_points(state)) p.points.push_back(std::move(point));
  }
  p.first.push_back(p.points.size());
  return p;
}

void apply_steps(QuantizeState& state, const Stage& stage, const StagePoints& p, std::span<const TensorStatistics> stats) {
  for (size_t s = 0; s < stage.steps.size(); ++s)
    stage.steps[s]->apply(state, stats.subspan(p.first[s], p.first[s + 1] - p.first[s]));
}

// One pass over the model; the calibration pass runs all of it and reports progress.
std::vector<TensorStatistics> measure(QuantizeState& state, const std::vector<StatisticPoint>& points,
                                      bool calibration) {
  std::vector<TensorStatistics> stats;
  if (!points.empty() || calibration) {
    stats = state.observe(points, /*observed_only=*/!calibration);
    ++state.calibration_passes;
  }
  if (calibration) state.calibration_samples = stats.empty() ? 0 : stats.front().samples();
  return stats;
}

// The statistics every step of the stage asked for, in one pass over the model as it is; then
// each step applies, in order.
void run_stage(QuantizeState& state, const Stage& stage) {
  const auto p = points_of(stage, state);
  apply_steps(state, stage, p, measure(state, p.points, stage.calibration));
}

// A rescaled tensor's statistics are derived from every sample's channel ranges of its source:
// samples × channels × 8 bytes (ViT-B/16, 300 samples: 150 MB). Beyond this, a second pass is
// cheaper than the memory.
constexpr double kDerivedStatisticsBytes = 512.0 * 1024 * 1024;
constexpr size_t kMeasured = SIZE_MAX;

// `rescaling` (steps that only rescale channels, inserted as ×1) measured in `next`'s pass, with
// the quantizers already placed where they go: what `next` asks of a rescaled tensor is measured
// on its source and derived once the factors are set. This halves SmoothQuant's cost (two passes
// over a transformer become one). False, having measured nothing, when it cannot be derived:
// quantiles, another channel axis, or too much to keep.
bool run_in_next_pass(QuantizeState& state, const Stage& rescaling, const Stage& next) {
  using Key = std::pair<const ov::Node*, size_t>;
  auto key = [](const ov::Output<ov::Node>& o) { return Key{o.get_node(), o.get_index()}; };
  std::map<Key, size_t> rescale_of;
  for (size_t r = 0; r < state.rescales.size(); ++r) rescale_of[key(state.rescales[r].output)] = r;

  const auto own = points_of(rescaling, state);
  const auto wanted = points_of(next, state);
  const int64_t count = std::min<int64_t>(state.options.subset_size, state.images.size(0));
  const double samples = std::ceil(static_cast<double>(count) / static_cast<double>(state.options.batch_size));
  std::vector<StatisticPoint> points = own.points;
  std::vector<size_t> derived_from(wanted.points.size(), kMeasured);
  double bytes = 0;
  for (size_t i = 0; i < wanted.points.size(); ++i) {
    StatisticPoint point = wanted.points[i];
    const auto it = rescale_of.find(key(point.tensor));
    if (it != rescale_of.end()) {
      const auto& rescale = state.rescales[it->second];
      const Reducers& r = point.reducers;
      const bool per_channel = r.channel_mean || r.channel_abs_max || r.channel_ranges;
      if (r.quantiles || (per_channel && point.channel_axis != rescale.axis)) return false;
      const auto& shape = rescale.source.get_partial_shape();
      const auto channels = shape[static_cast<size_t>(rescale.axis)].get_length();
      const bool ranges = r.min_max || r.channel_ranges;
      if (ranges) bytes += 8.0 * samples * static_cast<double>(channels);
      point = {rescale.source,
               Reducers{.channel_mean = r.channel_mean, .channel_abs_max = r.channel_abs_max, .channel_ranges = ranges},
               rescale.axis, point.images};
      derived_from[i] = it->second;
    }
    points.push_back(std::move(point));
  }
  if (bytes > kDerivedStatisticsBytes) return false;

  auto stats = measure(state, points, next.calibration);
  const auto stats_span = std::span<const TensorStatistics>(stats);
  apply_steps(state, rescaling, own, stats_span.first(own.points.size()));
  // The factors changed weights the placement holds (SmoothQuant scales MatMul rows): placed again
  // on the same graph, the quantizers land on the same tensors.
  place_quantizers(state);
  const auto again = points_of(next, state);
  if (again.points.size() != wanted.points.size()) throw Error("quantize: rescaling moved the quantizers");
  std::vector<TensorStatistics> next_stats;
  for (size_t i = 0; i < wanted.points.size(); ++i) {
    if (key(again.points[i].tensor) != key(wanted.points[i].tensor))
      throw Error("quantize: rescaling moved the quantizers");
    auto& measured = stats[own.points.size() + i];
    next_stats.push_back(derived_from[i] == kMeasured
                             ? std::move(measured)
                             : rescale_channels(measured, state.rescales[derived_from[i]].factors,
                                                wanted.points[i].reducers));
  }
  apply_steps(state, next, again, next_stats);
  return true;
}

void run_stages(QuantizeState& state, const std::vector<Stage>& stages) {
  bool placed = false;
  size_t prepared = 0;  // stages whose steps have prepared the graph
  auto prepare_through = [&](size_t stage) {
    for (; prepared <= stage; ++prepared)
      for (const auto& step : stages[prepared].steps) step->prepare(state);
  };
  for (size_t i = 0; i < stages.size(); ++i) {
    prepare_through(i);
    if (needs_placement(stages[i]) && !placed) {
      place_quantizers(state);
      placed = true;
    }
    if (i + 1 < stages.size() && only_rescales(stages[i]) && needs_placement(stages[i + 1])) {
      prepare_through(i + 1);
      place_quantizers(state);
      if (run_in_next_pass(state, stages[i], stages[i + 1])) {
        placed = true;
        ++i;
        continue;
      }
      run_stage(state, stages[i]);
      placed = false;  // the rescaling changed weights the placement holds
      continue;
    }
    run_stage(state, stages[i]);
  }
  if (!placed) place_quantizers(state);  // the result reports the placement, whatever ran
}

void record_parameters(ov::Model& model, const QuantizeOptions& o, const QuantizeState& state) {
  auto set = [&](const std::string& key, const std::string& value) {
    model.set_rt_info(value, "torchvino", "quantization", key);
  };
  set("algorithm", "DefaultQuantization");
  set("overflow_fix", to_string(state.overflow_fix));
  set("preset", to_string(state.preset));
  set("model_type", to_string(state.model_type));
  set("range_estimator", to_string(o.range_estimator));
  set("subset_size", std::to_string(o.subset_size));
  set("batch_size", std::to_string(o.batch_size));
  set("calibration_samples", std::to_string(state.calibration_samples));
  set("bias_correction", to_string(o.bias_correction));
  if (o.range_estimator == RangeEstimator::Quantile) set("quantile", std::to_string(o.quantile));
  if (state.smoothed_layers > 0) set("smooth_quant_alpha", std::to_string(o.smooth_quant_alpha));
  const auto& scope = o.ignored_scope;
  for (const auto& [key, entries] : {std::pair{"names", &scope.names}, std::pair{"types", &scope.types},
                                     std::pair{"patterns", &scope.patterns}})
    if (!entries->empty()) model.set_rt_info(util::join(*entries), "torchvino", "quantization", "ignored_scope", key);
}

// Union–find over op names: ops served by one quantizer, or by quantizers of one range group, belong
// together.
std::vector<QuantizerGroup> quantizer_groups(const QuantizeState& state) {
  std::map<std::string, std::string> parent;
  std::function<std::string(const std::string&)> root = [&](const std::string& n) {
    const std::string& p = parent.at(n);
    return p == n ? n : parent[n] = root(p);
  };
  auto unite = [&](const std::string& a, const std::string& b) {
    parent.try_emplace(a, a);
    parent.try_emplace(b, b);
    parent[root(a)] = root(b);
  };
  std::map<size_t, std::string> range_groups;
  for (const auto& q : state.plan.activations) {
    if (q.serves.empty()) continue;
    for (const auto& op : q.serves) unite(q.serves.front(), op);
    const auto [it, fresh] = range_groups.try_emplace(q.group, q.serves.front());
    if (!fresh) unite(it->second, q.serves.front());
  }
  for (const auto& layer : state.plan.layers)
    if (layer.quantized) parent.try_emplace(layer.op->get_friendly_name(), layer.op->get_friendly_name());
  std::vector<QuantizerGroup> groups;
  std::map<std::string, size_t> index_of_root;
  for (const auto& op : state.model->get_ordered_ops()) {
    const std::string& name = op->get_friendly_name();
    if (!parent.count(name)) continue;
    const auto [it, fresh] = index_of_root.try_emplace(root(name), groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].ops.push_back(name);
    groups[it->second].types.push_back(op->get_type_name());
  }
  return groups;
}

QuantizeResult summarise(const QuantizeState& state) {
  QuantizeResult result;
  result.model = state.model;
  result.activation_quantizers = static_cast<int64_t>(state.plan.activations.size());
  result.weight_quantizers = static_cast<int64_t>(state.plan.weights.size());
  result.calibration_samples = state.calibration_samples;
  result.smoothed_layers = state.smoothed_layers;
  result.calibration_passes = state.calibration_passes;
  result.overflow_fix = state.overflow_fix;
  result.notes = state.notes;
  result.model_type = state.model_type;
  result.model_type_evidence = state.model_type_evidence;
  result.preset = state.preset;
  result.quantizer_groups = quantizer_groups(state);
  for (const auto& op : state.plan.fp32_ops) {
    QuantizedLayer entry;
    entry.name = op.name;
    entry.type = op.type;
    entry.int8 = false;
    entry.reason = op.reason;
    result.fp32_ops.push_back(std::move(entry));
  }
  for (size_t l = 0; l < state.plan.layers.size(); ++l) {
    const auto& layer = state.plan.layers[l];
    QuantizedLayer entry;
    entry.name = layer.op->get_friendly_name();
    entry.type = layer.op->get_type_name();
    entry.int8 = layer.quantized;
    entry.reason = layer.reason;
    entry.bias_corrected = state.bias_corrected[l];
    if (layer.quantized && state.seven_bit.count(layer.op.get())) entry.weight_bits = 7;
    result.layers.push_back(std::move(entry));
  }
  return result;
}

}  // namespace

namespace quant {

std::vector<TensorStatistics> QuantizeState::observe(const std::vector<StatisticPoint>& points, bool observed_only,
                                                     int64_t image_count) const {
  StatisticsOptions o;
  o.subset_size = image_count > 0 ? std::min(image_count, options.subset_size) : options.subset_size;
  o.batch_size = options.batch_size;
  o.observed_only = observed_only;
  // Only the main pass reports progress; the per-layer passes of full bias correction report
  // layers instead.
  if (!observed_only && options.on_progress)
    o.on_progress = [this](int64_t done, int64_t total) { options.on_progress("calibration", done, total); };
  return collect_statistics(model, points, images, o, runtime);
}

const WeightGrid& QuantizeState::weight_grid(const WeightQuantizer& w) const {
  return seven_bit.count(w.op.get()) ? kSevenBitWeights : kEightBitWeights;
}

}  // namespace quant

QuantizeResult quantize(const std::shared_ptr<ov::Model>& model, const Dataset& calibration,
                        const QuantizeOptions& options, const RuntimeContext& runtime) {
  const auto started = std::chrono::steady_clock::now();
  // OpenVINO's threads do the heavy work here (every statistic comes from an inference); the
  // tensor work between inferences stays on this thread. Had it entered LibTorch's OpenMP pool,
  // its workers would spin between inferences against OpenVINO's: 4x slower on a busy machine.
  util::SerialLibTorch serial;
  check(options);
  if (calibration.size() == 0) throw Error("quantize: the calibration set is empty");

  QuantizeState state(options, runtime);
  state.images = calibration.images;
  state.model = model->clone();  // the caller's model stays FP32
  // Constant subgraphs (e.g. bias shapes computed at run time, as models read from ONNX have)
  // would hide weights and biases from the analysis; fold them first.
  ov::pass::ConstantFolding().run_on_model(state.model);
  const auto model_type = resolve_model_type(options.model_type, *state.model);
  state.model_type = model_type.type;
  state.model_type_evidence = model_type.evidence;
  if (options.model_type == ModelType::Auto && model_type.type == ModelType::Transformer)
    state.notes.push_back("model type detected as transformer from " + model_type.evidence +
                          ": NNCF's transformer rules apply (model_type=cnn to override)");
  state.preset = options.preset != Preset::Auto ? options.preset
                 : state.model_type == ModelType::Transformer ? Preset::Mixed
                                                              : Preset::Performance;
  state.ignored = ignored_predicate(*state.model, options.ignored_scope);
  run_stages(state, build_stages(options, state));
  state.model->validate_nodes_and_infer_types();
  record_parameters(*state.model, options, state);

  QuantizeResult result = summarise(state);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace torchvino
