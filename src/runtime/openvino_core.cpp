#include <openvino/runtime/properties.hpp>

#include "torchvino/error.hpp"
#include "torchvino/openvino_runtime.hpp"

namespace torchvino {

namespace {

ov::element::Type element_type(InferencePrecision precision) {
  switch (precision) {
    case InferencePrecision::F32: return ov::element::f32;
    case InferencePrecision::BF16: return ov::element::bf16;
    case InferencePrecision::F16: return ov::element::f16;
  }
  throw Error("invalid inference precision " + std::to_string(static_cast<int>(precision)));
}

}  // namespace

ov::Core& openvino_core() {
  static ov::Core core;
  return core;
}

ov::CompiledModel compile_model(const std::shared_ptr<ov::Model>& model, const RunSettings& s) {
  if (s.requests < 0) throw Error("requests must not be negative, got " + std::to_string(s.requests));
  if (s.streams && *s.streams < 1) throw Error("streams must be at least 1, got " + std::to_string(*s.streams));
  if (s.threads < 0) throw Error("threads must not be negative, got " + std::to_string(s.threads));
  ov::AnyMap config;
  config[ov::hint::inference_precision.name()] = element_type(s.inference_precision);
  if (s.threads > 0) config[ov::inference_num_threads.name()] = s.threads;
  const PerformanceHint hint = s.hint.value_or(s.requests == 1 ? PerformanceHint::Latency : PerformanceHint::Throughput);
  if (hint == PerformanceHint::Throughput) {
    config[ov::hint::performance_mode.name()] = ov::hint::PerformanceMode::THROUGHPUT;
    if (s.requests > 0) config[ov::hint::num_requests.name()] = uint32_t(s.requests);
  } else if (hint == PerformanceHint::Latency) {
    config[ov::hint::performance_mode.name()] = ov::hint::PerformanceMode::LATENCY;
  }
  if (s.streams) config[ov::num_streams.name()] = ov::streams::Num(*s.streams);
  return openvino_core().compile_model(model, s.device, config);
}

}  // namespace torchvino
