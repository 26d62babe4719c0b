#pragma once
// How models run on OpenVINO, without LibTorch: the runtime context and the one place models are
// compiled. The runtime library (Classifier) and the full library share it.
#include <openvino/core/model.hpp>
#include <openvino/runtime/compiled_model.hpp>
#include <openvino/runtime/core.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "torchvino/run_settings.hpp"

namespace torchvino {

// The settings every stage that runs a model shares — calibration, bias correction, accuracy
// control, evaluation: made once per command (by the CLI, from --threads) and passed to each.
using RuntimeContext = RunSettings;

// The process-wide OpenVINO core (plugins are loaded once).
ov::Core& openvino_core();

// Every OpenVINO compilation goes through here, so the settings apply everywhere (requests 0:
// the plugin's ov::optimal_number_of_infer_requests, with the throughput hint).
ov::CompiledModel compile_model(const std::shared_ptr<ov::Model>& model, const RunSettings& settings);

// Reads an OpenVINO IR (.xml) or an ONNX file exported from PyTorch (.onnx). Throws Error naming
// the file when it is missing, of another format, or corrupt (an IR whose .bin does not match the
// checksum torchvino wrote into its .xml).
std::shared_ptr<ov::Model> read_model_file(const std::filesystem::path& file);

}  // namespace torchvino
