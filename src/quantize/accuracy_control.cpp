// Accuracy control: revert the layers that cost the most accuracy to FP32, one at a time, until
// the drop is within bounds. Each candidate model is quantized afresh with the reverted layers in
// the ignored scope, so their quantizers, int8 weights and bias correction all go away together.
#include "torchvino/accuracy_control.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <set>

#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino {
namespace {

struct Validation {
  double accuracy = 0;
  torch::Tensor logits;
};

Validation validate(const std::shared_ptr<ov::Model>& model, const Dataset& data, const QuantizeOptions& q,
                    const AccuracyControlOptions& c) {
  OpenVINOOptions ov_options;
  ov_options.threads = q.threads;  // inference precision f32 by default: no silent bf16
  auto backend = make_openvino_backend(model, ov_options);
  EvalOptions eval;
  eval.batch_size = c.batch_size;
  eval.warmup_batches = 0;
  auto result = evaluate(*backend, data, eval);
  return {result.accuracy, result.logits};
}

Dataset subset(const Dataset& data, const torch::Tensor& indices) {
  Dataset out;
  out.images = data.images.index_select(0, indices);
  out.labels = data.labels.index_select(0, indices);
  out.num_classes = data.num_classes;
  out.class_names = data.class_names;
  return out;
}

// The items whose INT8 output is furthest from FP32: first those whose correctness changed,
// then by squared distance of the logits.
torch::Tensor ranking_indices(const Dataset& data, const torch::Tensor& fp32, const torch::Tensor& int8, int64_t n) {
  auto labels = data.labels.slice(0, 0, fp32.size(0));
  auto changed = fp32.argmax(1).eq(labels).ne(int8.argmax(1).eq(labels)).to(torch::kDouble);
  auto distance = (fp32 - int8).pow(2).sum(1).to(torch::kDouble);
  auto score = changed * (distance.max().item<double>() + 1) + distance;
  n = std::min<int64_t>(n, score.size(0));
  auto top = std::get<1>(score.topk(n));
  return std::get<0>(top.sort());
}

std::string points(double fraction) { return fmt::format("{:.2f}", fraction * 100); }

QuantizeOptions with_reverted(QuantizeOptions options, const std::vector<std::string>& reverted) {
  options.on_progress = nullptr;
  for (const auto& name : reverted)
    if (std::find(options.ignored_scope.names.begin(), options.ignored_scope.names.end(), name) ==
        options.ignored_scope.names.end())
      options.ignored_scope.names.push_back(name);
  return options;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

AccuracyControlResult quantize_with_accuracy_control(const std::shared_ptr<ov::Model>& model,
                                                     const Dataset& calibration, const Dataset& validation,
                                                     const QuantizeOptions& options,
                                                     const AccuracyControlOptions& control) {
  const auto started = std::chrono::steady_clock::now();
  if (control.metric != "accuracy")
    throw Error("accuracy control: metric '" + control.metric + "' is not supported (only accuracy)");
  if (control.ranking_subset < 1) throw Error("accuracy control: the ranking subset must have at least 1 item");
  if (control.max_iterations < 0) throw Error("accuracy control: max_iterations must not be negative");
  if (control.batch_size < 1) throw Error("accuracy control: the batch size must be at least 1");
  if (validation.size() == 0) throw Error("accuracy control: the validation set is empty");
  auto progress = [&](const std::string& stage, const std::string& message) {
    if (control.on_progress) control.on_progress(stage, message);
  };

  AccuracyControlResult result;
  result.validation_images = validation.size();
  progress("validate", fmt::format("FP32 model on {} validation images", validation.size()));
  const Validation fp32 = validate(model, validation, options, control);
  result.fp32_accuracy = fp32.accuracy;
  if (control.max_drop < 0)
    throw Error(fmt::format("accuracy control: max drop {} points cannot be met: even the FP32 model itself "
                            "(accuracy {}%) has a drop of 0",
                            points(control.max_drop), points(fp32.accuracy)));

  progress("quantize", "INT8 model");
  result.quantized = quantize(model, calibration, options);
  Validation current = validate(result.quantized.model, validation, options, control);
  result.initial_int8_accuracy = result.final_int8_accuracy = current.accuracy;
  result.initial_drop = result.final_drop = fp32.accuracy - current.accuracy;
  progress("validate", fmt::format("FP32 {}%, INT8 {}%: drop {} points (max {})", points(fp32.accuracy),
                                   points(current.accuracy), points(result.initial_drop), points(control.max_drop)));

  std::vector<std::string> reverted;  // layer names, in order of reversion
  std::set<std::string> rejected;     // reverting them made things worse in the current state
  auto candidates = [&] {
    std::vector<std::pair<std::string, std::string>> out;  // name, type
    for (const auto& l : result.quantized.layers)
      if (l.int8 && !rejected.count(l.name)) out.emplace_back(l.name, l.type);
    return out;
  };

  while (result.final_drop > control.max_drop) {
    const auto names = candidates();
    const bool out_of_iterations = control.max_iterations > 0 && int64_t(reverted.size()) >= control.max_iterations;
    if (names.empty() || out_of_iterations) {
      throw Error(fmt::format(
          "accuracy control: max drop {} points cannot be met: FP32 {}%, INT8 {}% (drop {} points); "
          "after returning {} layer(s) to FP32{} the drop is still {} points{}",
          points(control.max_drop), points(fp32.accuracy), points(result.initial_int8_accuracy),
          points(result.initial_drop), reverted.size(), reverted.empty() ? "" : " (" + join(reverted) + ")",
          points(result.final_drop),
          out_of_iterations ? fmt::format(" (max_iterations {} reached)", control.max_iterations)
                            : std::string(" and no quantized layer is left whose reversion helps")));
    }

    // Rank: each candidate reverted on its own, scored on the items INT8 gets most wrong.
    const auto indices = ranking_indices(validation, fp32.logits, current.logits, control.ranking_subset);
    const Dataset ranking = subset(validation, indices);
    const auto fp32_ranking = fp32.logits.index_select(0, indices);
    progress("rank", fmt::format("{} candidate layer(s) on {} ranking items", names.size(), ranking.size()));
    double best_accuracy = -1, best_error = std::numeric_limits<double>::infinity();
    size_t best = 0;
    QuantizeResult best_model;
    for (size_t i = 0; i < names.size(); ++i) {
      auto trial_names = reverted;
      trial_names.push_back(names[i].first);
      auto trial = quantize(model, calibration, with_reverted(options, trial_names));
      const auto v = validate(trial.model, ranking, options, control);
      const double error = (v.logits - fp32_ranking).pow(2).sum(1).mean().item<double>();
      progress("rank", fmt::format("  {} ({}): ranking accuracy {}%, mean squared logit error {:.4g}", names[i].first,
                                   names[i].second, points(v.accuracy), error));
      if (v.accuracy > best_accuracy || (v.accuracy == best_accuracy && error < best_error)) {
        best_accuracy = v.accuracy;
        best_error = error;
        best = i;
        best_model = std::move(trial);
      }
    }

    // Revert the best one and validate on the whole set.
    const auto& [name, type] = names[best];
    const Validation after = validate(best_model.model, validation, options, control);
    ++result.iterations;
    const double drop_after = fp32.accuracy - after.accuracy;
    if (after.accuracy < current.accuracy) {
      progress("revert", fmt::format("{} ({}): drop {}→{} points, worse: undone", name, type,
                                     points(result.final_drop), points(drop_after)));
      rejected.insert(name);
      continue;
    }
    progress("revert", fmt::format("{} ({}) to FP32: drop {}→{} points", name, type, points(result.final_drop),
                                   points(drop_after)));
    RevertedLayer r;
    r.name = name;
    r.type = type;
    r.drop_before = result.final_drop;
    r.drop_after = drop_after;
    r.reason = fmt::format("accuracy control: drop {}→{} points", points(r.drop_before), points(r.drop_after));
    result.reverted.push_back(std::move(r));
    reverted.push_back(name);
    rejected.clear();  // a new state: every remaining layer is a candidate again
    result.quantized = std::move(best_model);
    current = after;
    result.final_int8_accuracy = after.accuracy;
    result.final_drop = drop_after;
  }

  // Report reverted layers with their own reason, and record the run in the model.
  for (auto& layer : result.quantized.layers)
    for (const auto& r : result.reverted)
      if (layer.name == r.name) layer.reason = r.reason;
  auto& m = *result.quantized.model;
  m.set_rt_info(std::string("AccuracyAwareQuantization"), "torchvino", "quantization", "algorithm");
  m.set_rt_info(fmt::format("{}", control.max_drop), "torchvino", "quantization", "accuracy_control", "max_drop");
  m.set_rt_info(fmt::format("{}", result.fp32_accuracy), "torchvino", "quantization", "accuracy_control",
                "fp32_accuracy");
  m.set_rt_info(fmt::format("{}", result.initial_drop), "torchvino", "quantization", "accuracy_control",
                "initial_drop");
  m.set_rt_info(fmt::format("{}", result.final_drop), "torchvino", "quantization", "accuracy_control", "final_drop");
  m.set_rt_info(std::to_string(result.validation_images), "torchvino", "quantization", "accuracy_control",
                "validation_images");
  m.set_rt_info(join(reverted), "torchvino", "quantization", "accuracy_control", "reverted");
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace torchvino
