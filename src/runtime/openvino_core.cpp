#include <openvino/runtime/properties.hpp>

#include "torchvino/error.hpp"
#include "torchvino/openvino_runtime.hpp"

namespace torchvino {

ov::Core& openvino_core() {
  static ov::Core core;
  return core;
}

ov::CompiledModel compile_model(const std::shared_ptr<ov::Model>& model, const RuntimeContext& runtime,
                                int requests) {
  if (requests < 0) throw Error("requests must not be negative, got " + std::to_string(requests));
  if (runtime.streams && *runtime.streams < 1)
    throw Error("streams must be at least 1, got " + std::to_string(*runtime.streams));
  if (runtime.threads < 0) throw Error("threads must not be negative, got " + std::to_string(runtime.threads));
  ov::AnyMap config;
  config[ov::hint::inference_precision.name()] = runtime.inference_precision;
  if (runtime.threads > 0) config[ov::inference_num_threads.name()] = runtime.threads;
  const PerformanceHint hint =
      runtime.hint.value_or(requests == 1 ? PerformanceHint::Latency : PerformanceHint::Throughput);
  if (hint == PerformanceHint::Throughput) {
    config[ov::hint::performance_mode.name()] = ov::hint::PerformanceMode::THROUGHPUT;
    if (requests > 0) config[ov::hint::num_requests.name()] = uint32_t(requests);
  } else if (hint == PerformanceHint::Latency) {
    config[ov::hint::performance_mode.name()] = ov::hint::PerformanceMode::LATENCY;
  }
  if (runtime.streams) config[ov::num_streams.name()] = ov::streams::Num(*runtime.streams);
  return openvino_core().compile_model(model, runtime.device, config);
}

}  // namespace torchvino
