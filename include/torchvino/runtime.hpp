#pragma once
#include <openvino/core/model.hpp>
#include <openvino/runtime/compiled_model.hpp>
#include <openvino/runtime/core.hpp>
#include <torch/types.h>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "torchvino/data.hpp"
#include "torchvino/data_source.hpp"
#include "torchvino/models.hpp"
#include "torchvino/names.hpp"
#include "torchvino/openvino_runtime.hpp"

namespace torchvino {

// The variants of a model that are evaluated side by side.
// BF16: the FP32 IR compiled with inference precision bf16 (only on CPUs that have bf16).
// FP16: FP16 weights in the IR, decompressed and computed in f32 — it saves storage, not time.
enum class Mode { PyTorch, FP32, BF16, FP16, INT8 };
template <>
struct EnumNames<Mode> {
  static constexpr const char* what = "mode";
  static constexpr std::array table{std::pair{Mode::PyTorch, "pytorch"}, std::pair{Mode::FP32, "fp32"},
                                    std::pair{Mode::BF16, "bf16"}, std::pair{Mode::FP16, "fp16"},
                                    std::pair{Mode::INT8, "int8"}};
};
inline bool runs_on_openvino(Mode mode) { return mode != Mode::PyTorch; }

// Sets LibTorch's thread count from the context; called once per process, before any model runs.
void configure_libtorch(const RuntimeContext& runtime);

// Why this CPU cannot run bf16, or nothing when it can. Asks the OpenVINO CPU plugin
// (OPTIMIZATION_CAPABILITIES lists "BF16") and honours TORCHVINO_HIDE_ISA (a comma list, e.g.
// "bf16"), which hides an ISA extension to test the paths for CPUs without it.
std::optional<std::string> bf16_unsupported_reason(const RuntimeContext& runtime);
bool cpu_has_bf16(const RuntimeContext& runtime);

// The context a mode compiles with: `runtime` with the mode's inference precision (bf16 for BF16,
// f32 otherwise). Throws Error for BF16 on CPUs without it: bf16 never silently runs as f32.
RuntimeContext runtime_for(Mode mode, const RuntimeContext& runtime);

// Whether TORCHVINO_HIDE_ISA names `isa` (case-insensitive), e.g. "bf16", "vnni", "amx".
bool isa_hidden(const std::string& isa);

// Whether this CPU has VNNI (AVX-512 VNNI or AVX-VNNI): INT8 dot products accumulate in int32.
// Without it they pass through int16 and 8-bit weights can saturate (see QuantizeOptions).
bool cpu_has_vnni();

// One interface for every way of running a model, so evaluation and benchmarking are written
// once. A backend pulls input batches from a feed and hands each batch's logits to a sink.
class Backend {
 public:
  // The next input batch (float32 N×C×H×W), or an undefined tensor after the last. Called on the
  // thread that called stream().
  using Feed = std::function<torch::Tensor()>;
  // Called once per batch, never concurrently; batches may complete out of order.
  using Sink = std::function<void(size_t batch, const torch::Tensor& logits, double latency_ms)>;

  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Runs every batch the feed yields; batch numbers count from 0 in feed order.
  virtual void stream(const Feed& next, const Sink& sink) = 0;
  // The batches of a list.
  void run(const std::vector<torch::Tensor>& batches, const Sink& sink);
  // The compiled model, for backends that have one (execution-graph checks); else nullptr.
  virtual const ov::CompiledModel* compiled_model() const { return nullptr; }
};

// LibTorch runs with the threads configure_libtorch() set.
std::unique_ptr<Backend> make_libtorch_backend(const Model& model);

// requests > 1: that many asynchronous infer requests in flight (in place of runtime.requests).
// While it runs, LibTorch's thread pool is not entered from the calling thread (tensor work in the
// sink runs serially): OpenVINO's threads have the cores.
std::unique_ptr<Backend> make_openvino_backend(const std::shared_ptr<ov::Model>& model,
                                               const RuntimeContext& runtime, int requests = 1);

struct EvalOptions {
  int64_t batch_size = 96;
  int64_t limit = 0;        // evaluate the first `limit` images; 0 = all
  // The first batches run apart, untimed (their logits count; at least one batch stays timed).
  int warmup_batches = 2;
  // Threads decoding and preprocessing the next batches while the model runs (sources that decode:
  // image files, resized raw pixels); 0: one per core.
  int threads = 0;
  // Keep every image's logits (EvalResult::logits: images × classes floats) for comparisons
  // between modes; off, memory does not grow with the number of images.
  bool keep_logits = true;
  // After each batch: images done, images in all.
  std::function<void(int64_t done, int64_t total)> on_progress;
};

struct EvalResult {
  std::string backend;
  int64_t images = 0;
  int64_t batch_size = 0;
  double accuracy = 0;        // top-1, fraction
  double top5 = 0;
  double loss = 0;            // mean cross-entropy
  double seconds = 0;         // wall time of the timed batches (after the warm-up), reading included
  double warmup_seconds = 0;
  double throughput = 0;      // images/s of the timed batches
  double latency_mean_ms = 0; // per batch
  double latency_median_ms = 0;
  double latency_p90_ms = 0;
  torch::Tensor logits;       // N×classes, in dataset order (with keep_logits)
};

// Streams the source through the backend: batches are prepared ahead by options.threads threads
// while the model runs, and the metrics accumulate batch by batch.
EvalResult evaluate(Backend& backend, const std::shared_ptr<const DataSource>& data, const EvalOptions& options);
EvalResult evaluate(Backend& backend, const Dataset& data, const EvalOptions& options);

// What the CPU plugin really executes: one entry per layer of the compiled model's runtime
// graph, read from its rt_info (layerType, runtimePrecision, originalLayersNames).
struct ExecutedLayer {
  std::string name;
  std::string layer_type;         // e.g. Convolution, FullyConnected, Subgraph
  std::string runtime_precision;  // e.g. u8, i8, f32
  std::string original_names;
  // For a layer that fuses several ops (the CPU plugin's Snippets "Subgraph", e.g. a whole
  // attention block): the Convolution/MatMul ops of the source model inside it. Filled only when
  // executed_layers is given the source model.
  std::vector<std::string> fused_compute;
};
// `source`: the model that was compiled; with it, compute ops fused into a Subgraph are seen.
std::vector<ExecutedLayer> executed_layers(const ov::CompiledModel& compiled, const ov::Model* source = nullptr);

// Convolution, GroupConvolution, FullyConnected, MatMul, and a Subgraph that fuses one of them:
// the layers INT8 is for.
bool is_compute_layer(const ExecutedLayer& layer);
// "name (type)", or for a Subgraph "name (Subgraph with MatMul ops a, b)": for messages.
std::string describe(const ExecutedLayer& layer);
// The compute layers among `layers` that do not compute with 8-bit inputs: empty when every one
// of them really runs INT8.
std::vector<ExecutedLayer> non_int8_layers(const std::vector<ExecutedLayer>& layers);
// The compute layers among `layers` that do not compute in bf16.
std::vector<ExecutedLayer> non_bf16_layers(const std::vector<ExecutedLayer>& layers);
// One line per compute layer that does not execute at `mode`'s precision (8-bit for int8, bf16 for
// bf16), e.g. "layer conv1 (Convolution) executes in f32, not 8-bit"; none for other modes. What
// eval and the pipeline warn about: a mode never silently runs at another precision.
std::vector<std::string> execution_warnings(Mode mode, const std::vector<ExecutedLayer>& layers);

}  // namespace torchvino
