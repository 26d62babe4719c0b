#pragma once
#include <openvino/core/model.hpp>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "torchvino/data.hpp"
#include "torchvino/data_source.hpp"
#include "torchvino/quantize.hpp"

namespace torchvino {

// Quantization with accuracy control, in the manner of nncf.quantize_with_accuracy_control:
// quantize, validate FP32 and INT8, and while the drop exceeds max_drop, return to FP32 the
// quantizer group (QuantizerGroup: a layer, a residual Add, a pooling op, an attention MatMul, or
// ops sharing a quantizer) whose reversion helps the metric most on the ranking subset (the
// validation items whose INT8 output differs most from FP32).
// The validation metric (top-1 accuracy is the only one so far).
enum class Metric { Accuracy };
template <>
struct EnumNames<Metric> {
  static constexpr const char* what = "metric";
  static constexpr std::array table{std::pair{Metric::Accuracy, "accuracy"}};
};

struct AccuracyControlOptions {
  double max_drop = 0.01;        // absolute top-1 drop allowed, in [0, 1) (0.01 = 1 point)
  int64_t ranking_subset = 300;  // validation items used to rank layers
  Metric metric = Metric::Accuracy;
  int64_t max_iterations = 0;    // quantizer groups reverted at most; 0: no limit
  int64_t batch_size = 100;      // validation batch
  // Progress: a stage ("validate", "rank", "revert", ...) and a line describing it.
  std::function<void(const std::string& stage, const std::string& message)> on_progress;
};

// One op returned to FP32 (the ops of one group share the reason and the drops).
struct RevertedLayer {
  std::string name;
  std::string type;
  std::string reason;    // e.g. "accuracy control: drop 1.20→0.40 points (quantizer group a, b)"
  double drop_before = 0;  // fractions
  double drop_after = 0;
};

struct AccuracyControlResult {
  QuantizeResult quantized;  // the final model; reverted layers have int8 = false, reverted
                             // Adds and pooling are in fp32_ops with the accuracy control reason
  std::vector<RevertedLayer> reverted;
  double fp32_accuracy = 0;
  double initial_int8_accuracy = 0;
  double final_int8_accuracy = 0;
  double initial_drop = 0;  // fp32 − int8, fractions
  double final_drop = 0;
  int64_t validation_images = 0;
  int64_t iterations = 0;   // validations after the first
  double seconds = 0;
};

// Throws Error when max_drop cannot be met even with every quantized layer returned to FP32
// (or max_iterations runs out), giving the figures. Every model (FP32, INT8, candidates) runs
// with `runtime`.
AccuracyControlResult quantize_with_accuracy_control(const std::shared_ptr<ov::Model>& model,
                                                     const Dataset& calibration, const Dataset& validation,
                                                     const QuantizeOptions& options,
                                                     const AccuracyControlOptions& control,
                                                     const RuntimeContext& runtime = {});
// The same with the validation set read as a stream on every validation (memory: the ranking
// subset and the logits, not the images).
AccuracyControlResult quantize_with_accuracy_control(const std::shared_ptr<ov::Model>& model,
                                                     const Dataset& calibration,
                                                     const std::shared_ptr<const DataSource>& validation,
                                                     const QuantizeOptions& options,
                                                     const AccuracyControlOptions& control,
                                                     const RuntimeContext& runtime = {});

}  // namespace torchvino
