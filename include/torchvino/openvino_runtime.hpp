#pragma once
// How models run on OpenVINO, without LibTorch: the runtime context and the one place models are
// compiled. The runtime library (Classifier) and the full library share it.
#include <openvino/core/model.hpp>
#include <openvino/runtime/compiled_model.hpp>
#include <openvino/runtime/core.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "torchvino/performance_hint.hpp"

namespace torchvino {

// How and where models run. Made once (by the CLI, from --threads) and passed to every stage
// that runs a model — calibration, bias correction, accuracy control, evaluation — so they all
// run with the same settings.
struct RuntimeContext {
  int threads = 0;  // 0: the libraries' default (all cores)
  std::string device = "CPU";
  // FP32 means FP32: on CPUs with bf16 support the plugin would otherwise silently compute an
  // FP32 model in bf16.
  ov::element::Type inference_precision = ov::element::f32;
  // Unset: latency for one infer request, throughput for several.
  std::optional<PerformanceHint> hint;
  // CPU streams (ov::num_streams); unset: the plugin's choice for the hint.
  std::optional<int> streams;
};

// The process-wide OpenVINO core (plugins are loaded once).
ov::Core& openvino_core();

// Every OpenVINO compilation goes through here, so the context's settings apply everywhere.
// `requests`: infer requests the caller will keep in flight (a hint for the plugin); 0: as many as
// the plugin finds optimal (ov::optimal_number_of_infer_requests), with the throughput hint.
ov::CompiledModel compile_model(const std::shared_ptr<ov::Model>& model, const RuntimeContext& runtime,
                                int requests = 1);

// Reads an OpenVINO IR (.xml) or an ONNX file exported from PyTorch (.onnx). Throws Error naming
// the file when it is missing, of another format, or corrupt (an IR whose .bin does not match the
// checksum torchvino wrote into its .xml).
std::shared_ptr<ov::Model> read_model_file(const std::filesystem::path& file);

}  // namespace torchvino
