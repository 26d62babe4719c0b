// Accuracy control: return to FP32 the quantizer groups that cost the most accuracy, one group at a
// time, until the drop is within bounds. A group is every op tied to the others by a shared
// quantizer (QuantizerGroup): a compute layer, a residual Add, a pooling op, an attention MatMul,
// or several of them. Each candidate model is quantized afresh with the group's ops in the ignored
// scope, so their quantizers, int8 weights and bias correction all go away together.
#include "torchvino/accuracy_control.hpp"

#include "util/serial_libtorch.hpp"
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <set>

#include "torchvino/error.hpp"
#include "torchvino/limits.hpp"
#include "torchvino/runtime.hpp"
#include "util/strings.hpp"

namespace torchvino {
namespace {

struct Validation {
  double accuracy = 0;
  torch::Tensor logits;
};

// The validation set streams (a folder is decoded batch by batch on every validation); only the
// logits, images × classes floats, are kept for the ranking.
Validation validate(const std::shared_ptr<ov::Model>& model, const std::shared_ptr<const DataSource>& data,
                    const RuntimeContext& runtime, const AccuracyControlOptions& c) {
  auto backend = make_openvino_backend(model, runtime);
  EvalOptions eval;
  eval.batch_size = c.batch_size;
  eval.warmup_batches = 0;
  eval.threads = runtime.threads;
  auto result = evaluate(*backend, data, eval);
  return {result.accuracy, result.logits};
}

// The items whose INT8 output is furthest from FP32: first those whose correctness changed,
// then by squared distance of the logits.
torch::Tensor ranking_indices(const DataSource& data, const torch::Tensor& fp32, const torch::Tensor& int8, int64_t n) {
  auto labels = data.labels.slice(0, 0, fp32.size(0));
  auto changed = fp32.argmax(1).eq(labels).ne(int8.argmax(1).eq(labels)).to(torch::kDouble);
  auto distance = (fp32 - int8).pow(2).sum(1).to(torch::kDouble);
  auto score = changed * (distance.max().item<double>() + 1) + distance;
  n = std::min<int64_t>(n, score.size(0));
  auto top = std::get<1>(score.topk(n));
  return std::get<0>(top.sort());
}

QuantizeOptions with_reverted(QuantizeOptions options, const std::vector<std::string>& reverted) {
  options.on_progress = nullptr;
  for (const auto& name : reverted)
    if (std::find(options.ignored_scope.names.begin(), options.ignored_scope.names.end(), name) ==
        options.ignored_scope.names.end())
      options.ignored_scope.names.push_back(name);
  return options;
}

void check(const AccuracyControlOptions& c, const DataSource& validation) {
  limits::ranking_subset.check("ranking_subset_size", static_cast<double>(c.ranking_subset));
  limits::max_iterations.check("max_iterations", static_cast<double>(c.max_iterations));
  limits::at_least_one.check("batch_size", static_cast<double>(c.batch_size));
  limits::max_drop.check("max_drop", c.max_drop);
  if (validation.size() == 0) throw Error("accuracy control: the validation set is empty");
}

// The search: one object so that the steps below can share the FP32 reference and the state.
class Controller {
 public:
  Controller(const std::shared_ptr<ov::Model>& model, const Dataset& calibration,
             const std::shared_ptr<const DataSource>& validation,
             const QuantizeOptions& options, const AccuracyControlOptions& control, const RuntimeContext& runtime)
      : model_(model), calibration_(calibration), validation_(validation), options_(options), control_(control),
        runtime_(runtime) {}

  AccuracyControlResult run() {
    result_.validation_images = validation_->size();
    progress("validate", fmt::format("FP32 model on {} validation images", validation_->size()));
    fp32_ = validate(model_, validation_, runtime_, control_);
    result_.fp32_accuracy = fp32_.accuracy;
    progress("quantize", "INT8 model");
    result_.quantized = quantize(model_, calibration_, options_, runtime_);
    current_ = validate(result_.quantized.model, validation_, runtime_, control_);
    result_.initial_int8_accuracy = result_.final_int8_accuracy = current_.accuracy;
    result_.initial_drop = result_.final_drop = fp32_.accuracy - current_.accuracy;
    progress("validate", fmt::format("FP32 {}%, INT8 {}%: drop {} points (max {})", util::points(fp32_.accuracy),
                                     util::points(current_.accuracy), util::points(result_.initial_drop),
                                     util::points(control_.max_drop)));
    while (result_.final_drop > control_.max_drop) {
      const auto candidates = remaining_groups();
      const bool out_of_iterations = control_.max_iterations > 0 && groups_reverted_ >= control_.max_iterations;
      if (candidates.empty() || out_of_iterations) cannot_meet(out_of_iterations);
      auto [best, model] = rank(candidates);
      try_revert(candidates[best], std::move(model));
    }
    finish();
    return std::move(result_);
  }

 private:
  void progress(const std::string& stage, const std::string& message) const {
    if (control_.on_progress) control_.on_progress(stage, message);
  }

  static std::string label(const QuantizerGroup& g) {
    std::vector<std::string> parts;
    for (size_t i = 0; i < g.ops.size(); ++i) parts.push_back(g.ops[i] + " (" + g.types[i] + ")");
    return util::join(parts);
  }

  std::vector<QuantizerGroup> remaining_groups() const {
    std::vector<QuantizerGroup> out;
    for (const auto& g : result_.quantized.quantizer_groups)
      if (!rejected_.count(util::join(g.ops))) out.push_back(g);
    return out;
  }

  [[noreturn]] void cannot_meet(bool out_of_iterations) const {
    throw Error(fmt::format(
        "accuracy control: max drop {} points cannot be met: FP32 {}%, INT8 {}% (drop {} points); "
        "after returning {} op(s) to FP32{} the drop is still {} points{}",
        util::points(control_.max_drop), util::points(fp32_.accuracy), util::points(result_.initial_int8_accuracy),
        util::points(result_.initial_drop), reverted_.size(),
        reverted_.empty() ? "" : " (" + util::join(reverted_) + ")", util::points(result_.final_drop),
        out_of_iterations ? fmt::format(" (max_iterations {} reached)", control_.max_iterations)
                          : std::string(" and no quantizer group is left whose reversion helps")));
  }

  // Each candidate group reverted on its own, scored on the items INT8 gets most wrong: the best
  // by ranking accuracy, then by logit error. Returns its index and its quantized model.
  std::pair<size_t, QuantizeResult> rank(const std::vector<QuantizerGroup>& candidates) const {
    const auto indices = ranking_indices(*validation_, fp32_.logits, current_.logits, control_.ranking_subset);
    // The ranking subset is evaluated once per candidate: held in memory (ranking_subset images).
    const auto ranking = memory_source(materialize(reordered(validation_, indices), runtime_.threads));
    const auto fp32_ranking = fp32_.logits.index_select(0, indices);
    progress("rank", fmt::format("{} quantizer group(s) on {} ranking items", candidates.size(), ranking->size()));
    double best_accuracy = -1, best_error = std::numeric_limits<double>::infinity();
    size_t best = 0;
    QuantizeResult best_model;
    for (size_t i = 0; i < candidates.size(); ++i) {
      auto trial_names = reverted_;
      trial_names.insert(trial_names.end(), candidates[i].ops.begin(), candidates[i].ops.end());
      auto trial = quantize(model_, calibration_, with_reverted(options_, trial_names), runtime_);
      const auto v = validate(trial.model, ranking, runtime_, control_);
      const double error = (v.logits - fp32_ranking).pow(2).sum(1).mean().item<double>();
      progress("rank", fmt::format("  {}: ranking accuracy {}%, mean squared logit error {:.4g}", label(candidates[i]),
                                   util::points(v.accuracy), error));
      if (v.accuracy > best_accuracy || (v.accuracy == best_accuracy && error < best_error)) {
        best_accuracy = v.accuracy;
        best_error = error;
        best = i;
        best_model = std::move(trial);
      }
    }
    return {best, std::move(best_model)};
  }

  // Validates the best candidate on the whole set: kept if it does not make things worse.
  void try_revert(const QuantizerGroup& group, QuantizeResult model) {
    const Validation after = validate(model.model, validation_, runtime_, control_);
    ++result_.iterations;
    const double drop_after = fp32_.accuracy - after.accuracy;
    if (after.accuracy < current_.accuracy) {
      progress("revert", fmt::format("{}: drop {}→{} points, worse: undone", label(group),
                                     util::points(result_.final_drop), util::points(drop_after)));
      rejected_.insert(util::join(group.ops));
      return;
    }
    progress("revert", fmt::format("{} to FP32: drop {}→{} points", label(group), util::points(result_.final_drop),
                                   util::points(drop_after)));
    std::string reason = fmt::format("accuracy control: drop {}→{} points", util::points(result_.final_drop),
                                     util::points(drop_after));
    if (group.ops.size() > 1) reason += " (quantizer group " + util::join(group.ops) + ")";
    for (size_t i = 0; i < group.ops.size(); ++i) {
      result_.reverted.push_back({group.ops[i], group.types[i], reason, result_.final_drop, drop_after});
      reverted_.push_back(group.ops[i]);
    }
    ++groups_reverted_;
    rejected_.clear();  // a new state: every remaining group is a candidate again
    result_.quantized = std::move(model);
    current_ = after;
    result_.final_int8_accuracy = after.accuracy;
    result_.final_drop = drop_after;
  }

  // Reverted ops get their own reason, and the run is recorded in the model.
  void finish() {
    for (auto* list : {&result_.quantized.layers, &result_.quantized.fp32_ops})
      for (auto& op : *list)
        for (const auto& r : result_.reverted)
          if (op.name == r.name) op.reason = r.reason;
    auto& m = *result_.quantized.model;
    m.set_rt_info(std::string("AccuracyAwareQuantization"), "torchvino", "quantization", "algorithm");
    auto set = [&](const std::string& key, const std::string& value) {
      m.set_rt_info(value, "torchvino", "quantization", "accuracy_control", key);
    };
    set("max_drop", fmt::format("{}", control_.max_drop));
    set("fp32_accuracy", fmt::format("{}", result_.fp32_accuracy));
    set("initial_drop", fmt::format("{}", result_.initial_drop));
    set("final_drop", fmt::format("{}", result_.final_drop));
    set("validation_images", std::to_string(result_.validation_images));
    set("reverted", util::join(reverted_));
  }

  const std::shared_ptr<ov::Model>& model_;
  const Dataset& calibration_;
  std::shared_ptr<const DataSource> validation_;
  const QuantizeOptions& options_;
  const AccuracyControlOptions& control_;
  const RuntimeContext& runtime_;
  AccuracyControlResult result_;
  Validation fp32_, current_;
  std::vector<std::string> reverted_;  // op names, in order of reversion
  int64_t groups_reverted_ = 0;
  std::set<std::string> rejected_;     // groups (joined names) whose reversion made things worse now
};

}  // namespace

AccuracyControlResult quantize_with_accuracy_control(const std::shared_ptr<ov::Model>& model,
                                                     const Dataset& calibration, const Dataset& validation,
                                                     const QuantizeOptions& options,
                                                     const AccuracyControlOptions& control,
                                                     const RuntimeContext& runtime) {
  return quantize_with_accuracy_control(model, calibration, memory_source(validation), options, control, runtime);
}

AccuracyControlResult quantize_with_accuracy_control(const std::shared_ptr<ov::Model>& model,
                                                     const Dataset& calibration,
                                                     const std::shared_ptr<const DataSource>& validation,
                                                     const QuantizeOptions& options,
                                                     const AccuracyControlOptions& control,
                                                     const RuntimeContext& runtime) {
  const auto started = std::chrono::steady_clock::now();
  util::SerialLibTorch serial;  // as in quantize(): OpenVINO computes, LibTorch's pool sleeps
  if (!validation) throw Error("accuracy control: no validation set");
  check(control, *validation);
  auto result = Controller(model, calibration, validation, options, control, runtime).run();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace torchvino
