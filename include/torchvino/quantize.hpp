#pragma once
#include <openvino/core/model.hpp>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "torchvino/data.hpp"
#include "torchvino/names.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino {

// Ops that get no quantizers and stay FP32 (reported with reason "ignored scope"), in the manner
// of nncf.IgnoredScope: exact friendly names, op type names (e.g. "MatMul"), and regular
// expressions matched from the start of the friendly name. A name, type or pattern that matches
// no op is an error (a typo would otherwise silently quantize everything).
struct IgnoredScope {
  std::vector<std::string> names;
  std::vector<std::string> types;
  std::vector<std::string> patterns;
  bool empty() const { return names.empty() && types.empty() && patterns.empty(); }
};

// Performance: symmetric activation quantizers; Mixed: asymmetric ones (weights are symmetric in
// both). Auto is NNCF's default: performance for CNNs, mixed for transformers.
enum class Preset { Auto, Performance, Mixed };
template <>
struct EnumNames<Preset> {
  static constexpr const char* what = "preset";
  static constexpr std::array table{std::pair{Preset::Auto, "auto"}, std::pair{Preset::Performance, "performance"},
                                    std::pair{Preset::Mixed, "mixed"}};
};

// Which of NNCF's placement schemes applies. Transformer: no quantizers on residual Adds,
// pooling, normalisation (MVN) or on a MatMul reading a Softmax; symmetric quantizers on the
// activation × activation MatMuls of attention; SmoothQuant on linear layers. Auto: Transformer when the graph has attention
// (MatMul → Softmax → MatMul) or layer normalisation (MVN), else CNN.
enum class ModelType { Auto, CNN, Transformer };
template <>
struct EnumNames<ModelType> {
  static constexpr const char* what = "model type";
  static constexpr std::array table{std::pair{ModelType::Auto, "auto"}, std::pair{ModelType::CNN, "cnn"},
                                    std::pair{ModelType::Transformer, "transformer"}};
};

// How per-sample activation statistics become one range.
enum class RangeEstimator { MeanMinMax, MinMax, Quantile };
template <>
struct EnumNames<RangeEstimator> {
  static constexpr const char* what = "range estimator";
  static constexpr std::array table{std::pair{RangeEstimator::MeanMinMax, "mean_minmax"},
                                    std::pair{RangeEstimator::MinMax, "minmax"},
                                    std::pair{RangeEstimator::Quantile, "quantile"}};
};

// Weight-saturation fix (7-bit weights, see quantize/overflow_fix.hpp). Auto: FirstLayer on CPUs
// with VNNI (NNCF's default), Enable (every layer) on CPUs without.
enum class OverflowFix { Auto, FirstLayer, Enable, Disable };
template <>
struct EnumNames<OverflowFix> {
  static constexpr const char* what = "overflow fix";
  static constexpr std::array table{std::pair{OverflowFix::Auto, "auto"}, std::pair{OverflowFix::FirstLayer, "first_layer"},
                                    std::pair{OverflowFix::Enable, "enable"}, std::pair{OverflowFix::Disable, "disable"}};
};

// Bias correction after quantization, as NNCF's two algorithms: Fast shifts each bias by the mean
// output change that weight rounding alone causes (on FP32 statistics); Full measures the
// quantized model itself, layer by layer in graph order, so each shift also absorbs activation
// quantization and the error left by the layers before it.
enum class BiasCorrection { Fast, Full, None };
template <>
struct EnumNames<BiasCorrection> {
  static constexpr const char* what = "bias correction";
  static constexpr std::array table{std::pair{BiasCorrection::Fast, "fast"}, std::pair{BiasCorrection::Full, "full"},
                                    std::pair{BiasCorrection::None, "none"}};
};

// Post-training INT8 quantization in the manner of NNCF: graph analysis, then a list of steps
// (ranges and FakeQuantize insertion with int8 weights, then bias correction), each declaring
// the statistics it needs. Works on any ov::Model with one image input.
struct QuantizeOptions {
  int64_t subset_size = 300;     // calibration images
  // The calibration images are drawn across the training split with this seed (Subset::drawn) by
  // whoever loads them (`quantize`, `pipeline`); quantize() itself uses the set it is given.
  int64_t calibration_seed = 0;
  int64_t batch_size = 1;        // calibration batch; each batch is one statistics sample
  Preset preset = Preset::Auto;
  ModelType model_type = ModelType::Auto;
  RangeEstimator range_estimator = RangeEstimator::MeanMinMax;
  double quantile = 1e-4;        // for RangeEstimator::Quantile, in (0, 0.5)
  BiasCorrection bias_correction = BiasCorrection::Fast;
  // SmoothQuant migration strength for the linear layers of transformers (NNCF's default for
  // MatMul, 0.95); in [0, 1], negative turns it off. CNNs never get it.
  double smooth_quant_alpha = 0.95;
  // Quantize both inputs of Add nodes joining two activations (residual connections), and the
  // input of average pooling, as NNCF does for CNNs (never for transformers): the plugin then keeps ResNet blocks in
  // INT8 end to end (measured: ResNet-18 INT8 ~9 % faster than without both).
  bool quantize_residual_adds = true;
  bool quantize_pooling = true;
  // Store weights as int8 Constant → Convert → Multiply (≈ ¼ of the FP32 size); false keeps
  // FP32 weights behind a 255-level FakeQuantize (same numbers, bigger file).
  bool compress_weights = true;
  OverflowFix overflow_fix = OverflowFix::Auto;
  IgnoredScope ignored_scope;
  // Progress of the long parts: stage "calibration" (batches of the statistics pass) and
  // "bias correction" (layers measured by full bias correction).
  std::function<void(const std::string& stage, int64_t done, int64_t total)> on_progress;
};

struct QuantizedLayer {
  std::string name;  // the Convolution / MatMul node
  std::string type;
  bool int8 = true;  // false: left in FP32
  std::string reason;  // why it stayed FP32
  bool bias_corrected = false;
  int weight_bits = 8;  // 7 where the overflow fix applies
};

// Ops whose input quantizers are tied: they share a FakeQuantize (one tensor quantized once for
// several readers) or a range (the inputs of a Concat). Returning one of them to FP32 alone would
// keep the shared quantizer, so accuracy control reverts a whole group, as NNCF's does.
struct QuantizerGroup {
  std::vector<std::string> ops;    // friendly names, in graph order
  std::vector<std::string> types;  // their op types
};

struct QuantizeResult {
  std::shared_ptr<ov::Model> model;
  std::vector<QuantizedLayer> layers;
  // Every op with quantized inputs (compute layers, residual Adds, pooling, attention MatMuls) in
  // exactly one group, groups in graph order.
  std::vector<QuantizerGroup> quantizer_groups;
  // Other ops left in FP32 that NNCF's CNN scheme would quantize or that are not supported
  // (residual Adds and pooling of transformers, ignored scope, ...), each with its reason.
  std::vector<QuantizedLayer> fp32_ops;
  ModelType model_type = ModelType::CNN;  // the type applied (never Auto)
  Preset preset = Preset::Performance;    // the preset applied (never Auto)
  std::string model_type_evidence;        // why Auto chose it, e.g. "Softmax 'attn/softmax' between MatMuls"
  int64_t activation_quantizers = 0;  // FakeQuantize nodes on activations
  int64_t weight_quantizers = 0;      // quantized weight tensors
  int64_t calibration_samples = 0;    // statistics samples (batches) actually used
  int64_t smoothed_layers = 0;        // linear layers whose inputs SmoothQuant rescaled
  // Passes over the calibration images (SmoothQuant's rescaling shares MinMax's when it can; full
  // bias correction's per-layer measurements not counted).
  int64_t calibration_passes = 0;
  OverflowFix overflow_fix = OverflowFix::Disable;  // the mode applied (never Auto)
  std::vector<std::string> notes;     // things the user must know, e.g. no VNNI on this CPU
  double seconds = 0;
};

// Throws Error naming the QuantizeOptions field for an invalid option.
QuantizeResult quantize(const std::shared_ptr<ov::Model>& model, const Dataset& calibration,
                        const QuantizeOptions& options, const RuntimeContext& runtime = {});

}  // namespace torchvino
