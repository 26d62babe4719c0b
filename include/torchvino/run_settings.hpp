#pragma once
// How and where a model runs: the one set of settings every stage that runs a model shares
// (the CLI's runtime context, ClassifierOptions, BenchSettings). No OpenVINO header, so users of
// the runtime library need none; src/runtime turns it into OpenVINO's properties.
#include <array>
#include <optional>
#include <string>
#include <utility>

#include "torchvino/names.hpp"
#include "torchvino/performance_hint.hpp"

namespace torchvino {

// What OpenVINO computes in (ov::hint::inference_precision).
enum class InferencePrecision { F32, BF16, F16 };
template <>
struct EnumNames<InferencePrecision> {
  static constexpr const char* what = "inference precision";
  static constexpr std::array table{std::pair{InferencePrecision::F32, "f32"},
                                    std::pair{InferencePrecision::BF16, "bf16"},
                                    std::pair{InferencePrecision::F16, "f16"}};
};

struct RunSettings {
  // Inference threads; 0: the libraries' default (all cores). OpenVINO is never told a number it
  // was not given, so 0 keeps the plugin's own choice.
  int threads = 0;
  std::string device = "CPU";
  // Unset: latency for one infer request, throughput for several.
  std::optional<PerformanceHint> hint = std::nullopt;
  // CPU streams (ov::num_streams); unset: the plugin's choice for the hint.
  std::optional<int> streams = std::nullopt;
  // Infer requests the caller keeps in flight (a hint for the plugin); 0: as many as the plugin
  // finds optimal, with the throughput hint.
  int requests = 1;
  // FP32 means FP32: on CPUs with bf16 support the plugin would otherwise silently compute an
  // FP32 model in bf16.
  InferencePrecision inference_precision = InferencePrecision::F32;
};

}  // namespace torchvino
