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
  int requests = 1;  // infer requests in flight for the OpenVINO modes
  std::filesystem::path out = "torchvino-out";
  std::filesystem::path checkpoint;  // empty: <out>/<arch>.pt; reused when it exists
  bool retrain = false;              // train even if the checkpoint exists
  // Where the files under `out` are written and read back until the caller publishes the new
  // version of the folder all at once (the CLI's StagedFolder). Empty: `out` itself. Paths in
  // the report and the log are always the published ones.
  std::filesystem::path staging;
  std::vector<Mode> modes = {Mode::PyTorch, Mode::FP32, Mode::FP16, Mode::INT8};
};

// Removes from an output folder what the pipeline derives from a model (fp32/, fp16/, int8/ and
// the reports): written when a new model replaces the old one, so no stale file outlives it.
void drop_outputs_derived_from_model(const std::filesystem::path& folder);
// The modes `pipeline` evaluates unless told otherwise: every mode, bf16 only where the CPU has it.
std::vector<Mode> default_modes(const RuntimeContext& runtime);

struct PipelineReport;  // report.hpp: what run_pipeline measured

using Logger = std::function<void(const std::string& line)>;

// Throws Error for options run_pipeline would refuse: callers check before they create or lock
// the output folder, so a refused run leaves nothing behind.
void check_pipeline_options(const PipelineOptions& options, const RuntimeContext& runtime);

// Every model runs with `runtime`. Throws Error for invalid options before any work is done.
PipelineReport run_pipeline(const PipelineOptions& options, const RuntimeContext& runtime, const Logger& log);

}  // namespace torchvino
