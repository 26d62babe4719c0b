#pragma once
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "torchvino/pipeline.hpp"
#include "torchvino/quantize.hpp"
#include "torchvino/runtime.hpp"
#include "torchvino/train.hpp"

namespace torchvino {

// One evaluated variant of the model.
struct ModeRecord {
  Mode mode = Mode::FP32;
  std::filesystem::path model_file;
  uint64_t size_bytes = 0;     // everything on disk (IR: .xml + .bin)
  uint64_t weights_bytes = 0;  // the weights file alone (IR: .bin)
  EvalResult eval;
  // Filled for OpenVINO modes: layers of the runtime graph and their executed precision.
  std::vector<ExecutedLayer> executed;
  int requests = 1;  // infer requests in flight during the evaluation
};

// Agreement of one mode's logits with a reference mode (LibTorch; FP32 for bf16).
struct Parity {
  Mode mode = Mode::FP32;
  double max_abs_diff = 0;
  double max_abs_logit = 0;  // of the reference
  double argmax_agreement = 0;
  Mode reference = Mode::PyTorch;

  // The largest logit difference as a fraction of the reference's largest |logit|.
  double relative_max_diff() const { return max_abs_diff / std::max(max_abs_logit, 1e-12); }
};

// Parity of `logits` against `reference` (same shape).
Parity compare_logits(Mode mode, const torch::Tensor& reference, const torch::Tensor& logits,
                      Mode reference_mode = Mode::PyTorch);

struct PipelineReport {
  PipelineOptions options;
  RuntimeContext runtime;
  std::vector<EpochStats> training;  // empty when a checkpoint was reused
  std::vector<ModeRecord> records;
  std::vector<Parity> parity;
  std::vector<QuantizedLayer> quantized_layers;
  double quantize_seconds = 0;
  std::vector<std::string> warnings;  // e.g. layers that do not execute in INT8
};

// Versions of the libraries this binary runs with, e.g. for reports.
std::string torch_version();
std::string openvino_version();

// The comparison table printed by `pipeline` (mode, accuracy, Δ, throughput, speed-up, size).
std::string format_table(const PipelineReport& report);

// One evaluated mode as a JSON object (the records of report.json; `eval --json`).
std::string record_to_json(const ModeRecord& record);

// Writes report.json, report.md, report.svg (charts) and report.html (one self-contained page:
// tables and charts) into `dir`, each atomically.
void write_report(const PipelineReport& report, const std::filesystem::path& dir);
// Removes what write_report() writes from `dir` (a new model's folder must not keep the old report).
void remove_report(const std::filesystem::path& dir);

}  // namespace torchvino
