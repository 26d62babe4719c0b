#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "torchvino/data.hpp"
#include "torchvino/models.hpp"
#include "torchvino/quantize.hpp"
#include "torchvino/runtime.hpp"
#include "torchvino/train.hpp"

namespace torchvino {

// The whole chain of the original tutorial as one call: train (or reuse a checkpoint) →
// convert to FP32 and FP16 IR → quantize to INT8 → evaluate every mode side by side.
struct PipelineOptions {
  ModelSpec spec;
  DatasetOptions data;
  TrainOptions train;
  QuantizeOptions quantize;
  EvalOptions eval;
  int threads = 0;
  int requests = 1;
  std::filesystem::path out = "torchvino-out";
  std::filesystem::path checkpoint;  // empty: <out>/<arch>.pt; reused when it exists
  bool retrain = false;              // train even if the checkpoint exists
  std::vector<std::string> modes = {"pytorch", "fp32", "fp16", "int8"};
};

// One evaluated variant of the model.
struct ModeRecord {
  std::string mode;
  std::filesystem::path model_file;
  uint64_t size_bytes = 0;     // everything on disk (IR: .xml + .bin)
  uint64_t weights_bytes = 0;  // the weights file alone (IR: .bin)
  EvalResult eval;
  // Filled for OpenVINO modes: layers of the runtime graph and their executed precision.
  std::vector<ExecutedLayer> executed;
  int requests = 1;  // infer requests in flight during the evaluation
};

// Agreement of one mode's logits with the LibTorch reference.
struct Parity {
  std::string mode;
  double max_abs_diff = 0;
  double max_abs_logit = 0;  // of the reference
  double argmax_agreement = 0;
};

struct PipelineReport {
  PipelineOptions options;
  std::vector<EpochStats> training;  // empty when a checkpoint was reused
  std::vector<ModeRecord> records;
  std::vector<Parity> parity;
  std::vector<QuantizedLayer> quantized_layers;
  double quantize_seconds = 0;
  std::vector<std::string> warnings;  // e.g. layers that do not execute in INT8
};

using Logger = std::function<void(const std::string& line)>;

PipelineReport run_pipeline(const PipelineOptions& options, const Logger& log);

// Parity of `logits` against `reference` (same shape).
Parity compare_logits(const std::string& mode, const torch::Tensor& reference,
                      const torch::Tensor& logits);

// Quantizable layers (Convolution, FullyConnected/MatMul) of a runtime graph that do not run
// with 8-bit inputs.
std::vector<ExecutedLayer> layers_not_in_int8(const std::vector<ExecutedLayer>& executed);

}  // namespace torchvino
