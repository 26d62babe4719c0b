#pragma once
#include <openvino/core/model.hpp>
#include <openvino/runtime/compiled_model.hpp>
#include <openvino/runtime/core.hpp>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "torchvino/data.hpp"
#include "torchvino/models.hpp"

namespace torchvino {

// The process-wide OpenVINO core (plugins are loaded once).
ov::Core& openvino_core();

// Whether this CPU has VNNI (AVX-512 VNNI or AVX-VNNI): INT8 dot products accumulate in int32.
// Without it they pass through int16 and 8-bit weights can saturate (see QuantizeOptions).
bool cpu_has_vnni();

// One interface for every way of running a model, so evaluation and benchmarking are written
// once. A backend runs a list of input batches and hands each batch's logits to a sink.
class Backend {
 public:
  // Called once per batch, never concurrently; batches may complete out of order.
  using Sink = std::function<void(size_t batch, const torch::Tensor& logits, double latency_ms)>;

  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual void run(const std::vector<torch::Tensor>& batches, const Sink& sink) = 0;
  // The compiled model, for backends that have one (execution-graph checks); else nullptr.
  virtual const ov::CompiledModel* compiled_model() const { return nullptr; }
};

std::unique_ptr<Backend> make_libtorch_backend(const Model& model, int threads);

struct OpenVINOOptions {
  int threads = 0;   // 0: the plugin's default
  int requests = 1;  // >1: that many asynchronous infer requests in flight
  std::string device = "CPU";
  // Computation precision. f32 by default: on CPUs with bf16 support the plugin would
  // otherwise silently compute an FP32 model in bf16.
  ov::element::Type inference_precision = ov::element::f32;
};
std::unique_ptr<Backend> make_openvino_backend(const std::shared_ptr<ov::Model>& model,
                                               const OpenVINOOptions& options);

struct EvalOptions {
  int64_t batch_size = 96;
  int64_t limit = 0;        // evaluate the first `limit` images; 0 = all
  int warmup_batches = 2;   // run and timed separately, not counted in throughput
  std::function<void(int64_t done, int64_t total)> on_progress;
};

struct EvalResult {
  std::string backend;
  int64_t images = 0;
  int64_t batch_size = 0;
  double accuracy = 0;        // top-1, fraction
  double top5 = 0;
  double loss = 0;            // mean cross-entropy
  double seconds = 0;         // wall time of the measured run (without warm-up)
  double warmup_seconds = 0;
  double throughput = 0;      // images/s
  double latency_mean_ms = 0; // per batch
  double latency_median_ms = 0;
  double latency_p90_ms = 0;
  torch::Tensor logits;       // N×classes, in dataset order
};

EvalResult evaluate(Backend& backend, const Dataset& data, const EvalOptions& options);

}  // namespace torchvino
