#pragma once
#include <openvino/core/model.hpp>
#include <openvino/runtime/compiled_model.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "torchvino/data.hpp"

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

// Post-training INT8 quantization in the manner of NNCF: graph analysis → statistics →
// ranges → FakeQuantize insertion → int8 weight storage → fast bias correction. Works on any
// ov::Model with one image input.
struct QuantizeOptions {
  int64_t subset_size = 300;     // calibration images, taken from the start of the set
  int64_t batch_size = 1;        // calibration batch; each batch is one statistics sample
  std::string preset = "performance";  // performance (symmetric) | mixed (asymmetric activations)
  std::string range_estimator = "mean_minmax";  // mean_minmax | minmax | quantile
  double quantile = 1e-4;        // for range_estimator=quantile
  int threads = 0;
  // Shift biases of quantized Conv/MatMul by the mean output change weight rounding causes.
  bool fast_bias_correction = true;
  // Quantize both inputs of Add nodes joining two activations (residual connections), and the
  // input of average pooling, as NNCF does for CNNs: the plugin then keeps ResNet blocks in
  // INT8 end to end (measured: ResNet-18 INT8 ~9 % faster than without both).
  bool quantize_residual_adds = true;
  bool quantize_pooling = true;
  // Store weights as int8 Constant → Convert → Multiply (≈ ¼ of the FP32 size); false keeps
  // FP32 weights behind a 255-level FakeQuantize (same numbers, bigger file).
  bool compress_weights = true;
  // Weight-saturation fix (7-bit weights, see overflow_fix.hpp): auto = first_layer on CPUs with
  // VNNI (NNCF's default), enable (every layer) on CPUs without; first_layer | enable | disable.
  std::string overflow_fix = "auto";
  IgnoredScope ignored_scope;
  std::function<void(int64_t done, int64_t total)> on_progress;
};

struct QuantizedLayer {
  std::string name;  // the Convolution / MatMul node
  std::string type;
  bool int8 = true;  // false: left in FP32
  std::string reason;  // why it stayed FP32
  bool bias_corrected = false;
  int weight_bits = 8;  // 7 where the overflow fix applies
};

struct QuantizeResult {
  std::shared_ptr<ov::Model> model;
  std::vector<QuantizedLayer> layers;
  int64_t activation_quantizers = 0;  // FakeQuantize nodes on activations
  int64_t weight_quantizers = 0;      // quantized weight tensors
  int64_t calibration_samples = 0;    // statistics samples (batches) actually used
  std::string overflow_fix;           // the mode applied: first_layer | enable | disable
  std::vector<std::string> notes;     // things the user must know, e.g. no VNNI on this CPU
  double seconds = 0;
};

QuantizeResult quantize(const std::shared_ptr<ov::Model>& model, const Dataset& calibration,
                        const QuantizeOptions& options);

// What the CPU plugin really executes: one entry per layer of the compiled model's runtime
// graph, read from its rt_info (layerType, runtimePrecision, originalLayersNames).
struct ExecutedLayer {
  std::string name;
  std::string layer_type;         // e.g. Convolution, FullyConnected
  std::string runtime_precision;  // e.g. u8, i8, f32
  std::string original_names;
};
std::vector<ExecutedLayer> executed_layers(const ov::CompiledModel& compiled);

// The Convolution / FullyConnected layers among `layers` that do not compute in u8/i8: empty
// when every quantizable layer really runs INT8.
std::vector<ExecutedLayer> non_int8_layers(const std::vector<ExecutedLayer>& layers);

}  // namespace torchvino
