// The pipeline: every step is in its own file; this one only orders them and reports.
#include <openvino/pass/constant_folding.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "quantize/bias_correction.hpp"
#include "quantize/graph_analysis.hpp"
#include "quantize/insertion.hpp"
#include "quantize/overflow_fix.hpp"
#include "quantize/ranges.hpp"
#include "quantize/statistics.hpp"
#include "torchvino/error.hpp"
#include "torchvino/quantize.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino {
namespace {

using namespace quant;

void check(const QuantizeOptions& o) {
  if (o.subset_size < 1) throw Error("quantize: --subset-size must be at least 1");
  if (o.batch_size < 1) throw Error("quantize: --batch-size must be at least 1");
  if (!(o.quantile > 0 && o.quantile < 0.5)) throw Error("quantize: --quantile must be in (0, 0.5)");
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The ignored scope as a predicate over ops; every name, type and pattern must match some op.
std::function<bool(const ov::Node&)> ignored_predicate(const ov::Model& model, const IgnoredScope& scope) {
  if (scope.empty()) return {};
  std::vector<std::regex> patterns;
  for (const auto& p : scope.patterns) {
    try {
      patterns.emplace_back(p, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw Error("quantize: ignored scope pattern '" + p + "' is not a valid regular expression: " + e.what());
    }
  }
  const std::set<std::string> names(scope.names.begin(), scope.names.end());
  const std::set<std::string> types(scope.types.begin(), scope.types.end());
  auto matches_pattern = [patterns](const std::string& name, size_t i) {
    return std::regex_search(name, patterns[i], std::regex_constants::match_continuous);
  };
  std::set<std::string> seen_names, seen_types;
  std::vector<bool> seen_patterns(patterns.size(), false);
  for (const auto& op : model.get_ops()) {
    const std::string name = op->get_friendly_name();
    if (names.count(name)) seen_names.insert(name);
    if (types.count(op->get_type_name())) seen_types.insert(op->get_type_name());
    for (size_t i = 0; i < patterns.size(); ++i) seen_patterns[i] = seen_patterns[i] || matches_pattern(name, i);
  }
  std::vector<std::string> missing;
  for (const auto& n : names)
    if (!seen_names.count(n)) missing.push_back("name '" + n + "'");
  for (const auto& t : types)
    if (!seen_types.count(t)) missing.push_back("type '" + t + "'");
  for (size_t i = 0; i < patterns.size(); ++i)
    if (!seen_patterns[i]) missing.push_back("pattern '" + scope.patterns[i] + "'");
  if (!missing.empty()) throw Error("quantize: ignored scope matches no op of the model: " + join(missing));
  return [names, types, matches_pattern, count = patterns.size()](const ov::Node& node) {
    const std::string name = node.get_friendly_name();
    if (names.count(name) || types.count(node.get_type_name())) return true;
    for (size_t i = 0; i < count; ++i)
      if (matches_pattern(name, i)) return true;
    return false;
  };
}

// One range per group: members of a group (Concat inputs) are merged, and a group is unsigned
// only when every member comes out of a ReLU.
std::vector<Range> group_ranges(const QuantizationPlan& plan, const std::vector<TensorStatistics>& stats,
                                Preset preset, Estimator estimator) {
  std::vector<std::vector<Range>> members(plan.groups);
  std::vector<bool> after_relu(plan.groups, true);
  for (size_t i = 0; i < plan.activations.size(); ++i) {
    const auto& q = plan.activations[i];
    members[q.group].push_back(aggregate(stats.at(i), estimator, preset == Preset::Performance));
    after_relu[q.group] = after_relu[q.group] && q.after_relu;
  }
  std::vector<Range> ranges;
  for (size_t g = 0; g < plan.groups; ++g)
    ranges.push_back(activation_range(merge(members[g]), preset, after_relu[g]));
  return ranges;
}

void record_parameters(ov::Model& model, const QuantizeOptions& o, int64_t samples, OverflowFix fix) {
  model.set_rt_info(to_string(fix), "torchvino", "quantization", "overflow_fix");
  model.set_rt_info(o.preset, "torchvino", "quantization", "preset");
  model.set_rt_info(o.range_estimator, "torchvino", "quantization", "range_estimator");
  model.set_rt_info(std::to_string(o.subset_size), "torchvino", "quantization", "subset_size");
  model.set_rt_info(std::to_string(o.batch_size), "torchvino", "quantization", "batch_size");
  model.set_rt_info(std::to_string(samples), "torchvino", "quantization", "calibration_samples");
  model.set_rt_info(std::string(o.fast_bias_correction ? "true" : "false"), "torchvino", "quantization",
                    "fast_bias_correction");
  model.set_rt_info(std::string("DefaultQuantization"), "torchvino", "quantization", "algorithm");
  if (!o.ignored_scope.names.empty())
    model.set_rt_info(join(o.ignored_scope.names), "torchvino", "quantization", "ignored_scope", "names");
  if (!o.ignored_scope.types.empty())
    model.set_rt_info(join(o.ignored_scope.types), "torchvino", "quantization", "ignored_scope", "types");
  if (!o.ignored_scope.patterns.empty())
    model.set_rt_info(join(o.ignored_scope.patterns), "torchvino", "quantization", "ignored_scope", "patterns");
  if (o.range_estimator == "quantile")
    model.set_rt_info(std::to_string(o.quantile), "torchvino", "quantization", "quantile");
}

}  // namespace

QuantizeResult quantize(const std::shared_ptr<ov::Model>& model, const Dataset& calibration,
                        const QuantizeOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  check(options);
  const Preset preset = parse_preset(options.preset);
  const Estimator estimator = parse_estimator(options.range_estimator);
  if (calibration.size() == 0) throw Error("quantize: the calibration set is empty");

  QuantizeResult result;
  result.model = model->clone();  // the caller's model stays FP32
  auto& work = result.model;
  // Constant subgraphs (e.g. bias shapes computed at run time, as models read from ONNX have)
  // would hide weights and biases from the analysis; fold them first.
  ov::pass::ConstantFolding().run_on_model(work);
  auto plan = analyse(work, AnalysisOptions{options.quantize_residual_adds, options.quantize_pooling},
                      ignored_predicate(*work, options.ignored_scope));
  const bool vnni = cpu_has_vnni();
  const OverflowFix fix = resolve_overflow_fix(options.overflow_fix, vnni);
  result.overflow_fix = to_string(fix);
  if (!vnni)
    result.notes.push_back(
        fix == OverflowFix::Enable
            ? "this CPU has no VNNI (AVX-512 VNNI / AVX-VNNI): INT8 convolutions add u8×i8 products in int16, "
              "so every layer's weights are quantized to 7 bits (overflow fix) to avoid saturation"
            : "this CPU has no VNNI (AVX-512 VNNI / AVX-VNNI) and the overflow fix is " + to_string(fix) +
                  ": 8-bit weights may saturate on it (--overflow-fix enable avoids that)");
  std::set<const ov::Node*> seven_bit;
  if (fix == OverflowFix::Enable) {
    for (const auto& w : plan.weights) seven_bit.insert(w.op.get());
  } else if (fix == OverflowFix::FirstLayer) {
    seven_bit = first_quantized_layers(*work, plan);
  }
  auto max_level = [&](const WeightQuantizer& w) {
    return seven_bit.count(w.op.get()) ? kWeightLevelMaxFixed : kWeightLevelMax;
  };

  // Range statistics for each quantizer, then channel means of biased ops' inputs.
  std::vector<ObservedTensor> observed;
  for (const auto& q : plan.activations) observed.push_back({q.tensor, -1});
  std::map<size_t, std::pair<size_t, BiasAdd>> corrections;  // layer → (observed index, bias)
  if (options.fast_bias_correction) {
    for (size_t l = 0; l < plan.layers.size(); ++l) {
      const auto& layer = plan.layers[l];
      if (!layer.quantized || layer.weight < 0 || layer.activation_channel_axis < 0) continue;
      if (auto bias = find_bias(layer)) {
        corrections.emplace(l, std::make_pair(observed.size(), std::move(*bias)));
        observed.push_back({layer.op->input_value(layer.activation_input), layer.activation_channel_axis});
      }
    }
  }
  StatisticsOptions stat_options;
  stat_options.subset_size = options.subset_size;
  stat_options.batch_size = options.batch_size;
  stat_options.quantiles = estimator == Estimator::Quantile;
  stat_options.quantile = options.quantile;
  stat_options.threads = options.threads;
  stat_options.on_progress = options.on_progress;
  const auto stats = collect_statistics(work, observed, calibration.images, stat_options);
  result.calibration_samples = stats.empty() ? 0 : stats.front().samples();

  const auto ranges = group_ranges(plan, stats, preset, estimator);
  std::vector<QuantizedWeights> quantized;
  std::vector<std::vector<float>> abs_max;
  for (const auto& w : plan.weights) {
    abs_max.push_back(weight_abs_max(w.values, w.shape, w.channel_axes));
    quantized.push_back(quantize_weights(w, abs_max.back(), max_level(w)));
  }

  std::map<size_t, bool> corrected;
  for (const auto& [l, entry] : corrections) {
    const auto& [index, bias] = entry;
    const auto& layer = plan.layers[l];
    const auto shift = bias_shift(layer, plan.weights[layer.weight], quantized[layer.weight],
                                  stats[index].channel_mean(), stats[index].first_shape);
    corrected[l] = shift_is_plausible(bias.values, shift);
    if (corrected[l]) apply_bias_shift(bias, shift);
  }

  for (const auto& q : plan.activations) insert_activation_quantizer(q, ranges[q.group]);
  for (size_t i = 0; i < plan.weights.size(); ++i) {
    const auto& w = plan.weights[i];
    replace_weights(w, options.compress_weights
                           ? dequantized_weights(quantized[i], w.op->get_friendly_name())
                           : fake_quantized_weights(w, abs_max[i], w.op->get_friendly_name(), max_level(w)));
  }
  work->validate_nodes_and_infer_types();
  record_parameters(*work, options, result.calibration_samples, fix);

  result.activation_quantizers = static_cast<int64_t>(plan.activations.size());
  result.weight_quantizers = static_cast<int64_t>(plan.weights.size());
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    const auto& layer = plan.layers[l];
    QuantizedLayer entry;
    entry.name = layer.op->get_friendly_name();
    entry.type = layer.op->get_type_name();
    entry.int8 = layer.quantized;
    entry.reason = layer.reason;
    entry.bias_corrected = corrected.count(l) && corrected.at(l);
    if (layer.quantized && seven_bit.count(layer.op.get())) entry.weight_bits = 7;
    result.layers.push_back(std::move(entry));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace torchvino
