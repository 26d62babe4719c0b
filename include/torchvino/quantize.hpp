#pragma once
#include <openvino/core/model.hpp>
#include <openvino/runtime/compiled_model.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "torchvino/data.hpp"

namespace torchvino {

// Post-training INT8 quantization in the manner of NNCF: graph analysis → statistics →
// ranges → FakeQuantize insertion → int8 weight storage. Works on any ov::Model.
struct QuantizeOptions {
  int64_t subset_size = 300;     // calibration images, taken from the start of the set
  int64_t batch_size = 1;        // calibration batch; each batch is one statistics sample
  std::string preset = "performance";  // performance (symmetric) | mixed (asymmetric activations)
  std::string range_estimator = "mean_minmax";  // mean_minmax | minmax | quantile
  double quantile = 1e-4;        // for range_estimator=quantile
  int threads = 0;
  std::function<void(int64_t done, int64_t total)> on_progress;
};

struct QuantizedLayer {
  std::string name;  // the Convolution / MatMul node
  std::string type;
  bool int8 = true;  // false: left in FP32
  std::string reason;  // why it stayed FP32
};

struct QuantizeResult {
  std::shared_ptr<ov::Model> model;
  std::vector<QuantizedLayer> layers;
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

}  // namespace torchvino
