#pragma once
// OpenVINO's performance hint, as torchvino's options and flags name it (no OpenVINO header).
#include <array>
#include <utility>

#include "torchvino/names.hpp"

namespace torchvino {

// Latency: one request at a time. Throughput: streams and several requests in flight.
enum class PerformanceHint { Latency, Throughput, None };
template <>
struct EnumNames<PerformanceHint> {
  static constexpr const char* what = "performance hint";
  static constexpr std::array table{std::pair{PerformanceHint::Latency, "latency"},
                                    std::pair{PerformanceHint::Throughput, "throughput"},
                                    std::pair{PerformanceHint::None, "none"}};
};

}  // namespace torchvino
