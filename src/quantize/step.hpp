#pragma once
// The engine's shape, after NNCF's post-training pipeline: analysis decides where quantizers go,
// then a list of steps (built from QuantizeOptions) each declares the statistics it needs and
// applies itself. The FP32 statistics of every step are gathered in one pass over the
// calibration set; a step that must measure the partly quantized model (full bias correction)
// observes it itself through QuantizeState::observe().
//
// Adding an algorithm = one file with a Step + one line in build_steps() (quantize.cpp) + its
// option in QuantizeOptions.
#include <openvino/core/model.hpp>
#include <torch/types.h>

#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "quantize/graph_analysis.hpp"
#include "quantize/insertion.hpp"
#include "quantize/statistics.hpp"
#include "torchvino/quantize.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino::quant {

// What the steps share: the model being quantized and what earlier steps decided.
struct QuantizeState {
  QuantizeState(const QuantizeOptions& o, const RuntimeContext& r) : options(o), runtime(r) {}

  const QuantizeOptions& options;
  const RuntimeContext& runtime;
  torch::Tensor images;               // calibration images, float32 N×C×H×W
  std::shared_ptr<ov::Model> model;   // a constant-folded clone of the caller's FP32 model
  QuantizationPlan plan;
  OverflowFix overflow_fix = OverflowFix::Disable;  // resolved, never Auto
  ModelType model_type = ModelType::CNN;            // resolved, never Auto
  Preset preset = Preset::Performance;              // resolved, never Auto
  std::string model_type_evidence;
  std::set<const ov::Node*> seven_bit;              // layers whose weights keep 7 bits
  std::vector<QuantizedWeights> quantized_weights;  // per plan.weights, once ranges are applied
  std::vector<bool> bias_corrected;                 // per plan.layers
  int64_t calibration_samples = 0;
  int64_t smoothed_layers = 0;
  std::vector<std::string> notes;

  // Statistics of `tensors` of the model as it is now, on the first `image_count` calibration images
  // (0: subset_size). observed_only: compute only what those tensors depend on.
  std::vector<TensorStatistics> observe(const std::vector<ObservedTensor>& tensors, bool observed_only,
                                        bool quantiles = false, int64_t image_count = 0) const;
  const WeightGrid& weight_grid(const WeightQuantizer& w) const;
};

class Step {
 public:
  virtual ~Step() = default;
  virtual std::string name() const = 0;
  // Tensors of the FP32 model this step needs (NNCF's statistic points). Called on the unchanged
  // model, before any step applies.
  virtual std::vector<ObservedTensor> fp32_statistics(const QuantizeState& state) = 0;
  // Changes state.model. `stats` holds the statistics of this step's fp32_statistics, in order.
  virtual void apply(QuantizeState& state, std::span<const TensorStatistics> stats) = 0;
};

// Activation ranges → FakeQuantize on activations, int8 weights (with the overflow fix).
std::unique_ptr<Step> make_min_max_step();
// NNCF's FastBiasCorrection: weight rounding's mean output change, from FP32 input means.
std::unique_ptr<Step> make_fast_bias_correction_step();
// NNCF's BiasCorrection: the quantized model measured layer by layer against FP32 output means.
std::unique_ptr<Step> make_full_bias_correction_step();

}  // namespace torchvino::quant
