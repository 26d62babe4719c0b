#pragma once
// The engine's shape, after NNCF's post-training Pipeline: stages of steps. A stage's steps name
// the statistic points they need (a tensor and its reducers); those of all its steps are
// collected in one pass over the model as the stage finds it, that is, as the stages before left
// it (SmoothQuant's rescaling changes the activations MinMax measures). Then each step applies,
// in order. A stage whose steps only rescale channels (Step::rescales_channels) is measured in
// the next stage's pass instead of its own, when what that stage needs can be derived. Quantizers are placed (graph analysis) once, at the start of the first stage with a
// step that reads the placement, so that they are placed on the model the earlier stages made.
// A step that must measure the partly quantized model (full bias correction) observes it itself
// through QuantizeState::observe().
//
// Adding an algorithm = its own file (a Step, made by a make_…_step() whose declaration joins the
// list below) + its option in QuantizeOptions + one line in build_stages() (quantize.cpp) putting
// it in a stage. Nothing else changes: the stage collects the points it asks for, and a step that
// only changes how weights round replaces QuantizeState::weight_rounding (weight_rounding.hpp)
// before MinMax applies.
#include <openvino/core/model.hpp>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "quantize/graph_analysis.hpp"
#include "quantize/insertion.hpp"
#include "quantize/statistics.hpp"
#include "quantize/weight_rounding.hpp"
#include "torchvino/quantize.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino::quant {

// A tensor multiplied by positive factors along one axis (SmoothQuant's X/s).
struct ChannelRescale {
  ov::Output<ov::Node> output;  // the Multiply's
  ov::Output<ov::Node> source;  // what it multiplies
  int64_t axis = -1;            // of the factors, in `source`
  std::vector<float> factors;   // empty until the step that inserted the Multiply applies
};

// What the steps share: the model being quantized and what earlier steps decided.
struct QuantizeState {
  QuantizeState(const QuantizeOptions& o, const RuntimeContext& r) : options(o), runtime(r) {}

  const QuantizeOptions& options;
  const RuntimeContext& runtime;
  torch::Tensor images;               // calibration images, float32 N×C×H×W
  std::shared_ptr<ov::Model> model;   // a constant-folded clone of the caller's FP32 model
  std::function<bool(const ov::Node&)> ignored;  // the ignored scope, resolved on the FP32 model
  QuantizationPlan plan;
  OverflowFix overflow_fix = OverflowFix::Disable;  // resolved, never Auto
  ModelType model_type = ModelType::CNN;            // resolved, never Auto
  Preset preset = Preset::Performance;              // resolved, never Auto
  std::string model_type_evidence;
  std::set<const ov::Node*> seven_bit;              // layers whose weights keep 7 bits
  // How MinMax turns weights into codes; a step of an earlier stage may replace it.
  std::unique_ptr<WeightRounding> weight_rounding = make_nearest_rounding();
  std::vector<QuantizedWeights> quantized_weights;  // per plan.weights, once ranges are applied
  std::vector<bool> bias_corrected;                 // per plan.layers
  std::vector<ChannelRescale> rescales;
  int64_t calibration_samples = 0;
  int64_t calibration_passes = 0;  // stage passes (QuantizeResult::calibration_passes)
  int64_t smoothed_layers = 0;
  std::vector<std::string> notes;

  // The statistics of `points` on the model as it is now, on the first `image_count` calibration
  // images (0: subset_size). observed_only: compute only what those points depend on (and report
  // no progress).
  std::vector<TensorStatistics> observe(const std::vector<StatisticPoint>& points, bool observed_only,
                                        int64_t image_count = 0) const;
  const WeightGrid& weight_grid(const WeightQuantizer& w) const;
};

class Step {
 public:
  virtual ~Step() = default;
  virtual std::string name() const = 0;
  // Whether the step reads state.plan (where quantizers go): the quantizers are placed before its
  // stage starts.
  virtual bool needs_placement() const = 0;
  // Changes the graph before the stage's statistic points are asked for (e.g. inserts the ops
  // that apply() will set).
  virtual void prepare(QuantizeState&) {}
  // Whether all the step changes is to multiply tensors by positive per-channel factors, inserted
  // as 1 by prepare() and recorded in state.rescales, that apply() sets. A stage of such steps
  // shares the next stage's pass: what that stage needs of a rescaled tensor is measured on its
  // source and derived (rescale_channels) once the factors are known.
  virtual bool rescales_channels() const { return false; }
  // The statistic points this step needs (NNCF's), on the model as its stage starts, before any
  // step of the stage applies.
  virtual std::vector<StatisticPoint> statistic_points(const QuantizeState& state) = 0;
  // Changes state.model. `stats` holds the statistics of this step's points, in order.
  virtual void apply(QuantizeState& state, std::span<const TensorStatistics> stats) = 0;
};

struct Stage {
  std::vector<std::unique_ptr<Step>> steps;
  // The calibration pass, the one users see: it reports progress, runs the whole model and its
  // sample count is the one recorded. Other stages' passes compute only what their points
  // depend on, silently.
  bool calibration = false;
};

// NNCF's SmoothQuant: the activations of linear layers divided by per-channel scales that their
// weights absorb, so that outlier channels stop dominating the activation ranges.
std::unique_ptr<Step> make_smooth_quant_step();
// Activation ranges → FakeQuantize on activations, int8 weights (with the overflow fix).
std::unique_ptr<Step> make_min_max_step();
// NNCF's FastBiasCorrection: weight rounding's mean output change, from FP32 input means.
std::unique_ptr<Step> make_fast_bias_correction_step();
// NNCF's BiasCorrection: the quantized model measured layer by layer against FP32 output means.
std::unique_ptr<Step> make_full_bias_correction_step();

}  // namespace torchvino::quant
