// The engine: the stages built from the options, each step fed the statistics it asked for, the
// quantizers placed when a stage first needs them. Every step is in its own file; this one orders
// them and reports.
#include "util/serial_libtorch.hpp"
#include <openvino/pass/constant_folding.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>

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
  if (!vnni) state.notes.push_back(no_vnni_note(state.overflow_fix));
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

// The statistics every step of the stage asked for, in one pass over the model as it is; then
// each step applies, in order.
void run_stage(QuantizeState& state, const Stage& stage) {
  std::vector<StatisticPoint> points;
  std::vector<size_t> first;  // index of each step's first point in `points`
  for (const auto& step : stage.steps) {
    first.push_back(points.size());
    for (auto& p : step->statistic_points(state)) points.push_back(std::move(p));
  }
  first.push_back(points.size());
  std::vector<TensorStatistics> stats;
  if (!points.empty() || stage.calibration) stats = state.observe(points, /*observed_only=*/!stage.calibration);
  if (stage.calibration) state.calibration_samples = stats.empty() ? 0 : stats.front().samples();
  for (size_t s = 0; s < stage.steps.size(); ++s)
    stage.steps[s]->apply(state, std::span(stats).subspan(first[s], first[s + 1] - first[s]));
}

void run_stages(QuantizeState& state, const std::vector<Stage>& stages) {
  bool placed = false;
  for (const auto& stage : stages) {
    const bool needs_placement = std::any_of(stage.steps.begin(), stage.steps.end(),
                                             [](const auto& step) { return step->needs_placement(); });
    if (needs_placement && !placed) {
      place_quantizers(state);
      placed = true;
    }
    run_stage(state, stage);
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
