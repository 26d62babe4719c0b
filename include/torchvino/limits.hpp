#pragma once
// The allowed range of every numeric option, in one table: the library's own checks, the CLI's
// flags and the POT-style config's keys all read these, so they accept exactly the same values
// (NaN is never accepted). Each limit is named by its option's key (the field's name).
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "torchvino/export.hpp"

namespace torchvino {

struct TORCHVINO_API Limit {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool max_exclusive = false;
  bool min_exclusive = false;
  const char* meaning = "";  // appended to the problem, e.g. "(a top-1 fraction: 0.01 = 1 point)"

  // The problem with `value`, or nothing when it is allowed.
  std::optional<std::string> problem(double value) const;
  // Throws Error "<key>: <problem>" (with the key as the error's option) when `value` is not allowed.
  void check(const char* key, double value) const;
};

namespace limits {
inline constexpr Limit positive{0, std::numeric_limits<double>::infinity(), false, true};
inline constexpr Limit at_least_one{1};
inline constexpr Limit non_negative{0};

// Input files.
inline constexpr Limit max_input_mb{1, double(uint64_t{1} << 30)};
inline constexpr Limit max_image_pixels{1, double(uint64_t{1} << 40)};

// Quantization and accuracy control.
inline constexpr Limit subset_size = at_least_one;
inline constexpr Limit ranking_subset = at_least_one;
inline constexpr Limit calibration_seed = non_negative;
inline constexpr Limit max_iterations = non_negative;
inline constexpr Limit validation_limit = non_negative;
inline constexpr Limit max_drop{0, 1, true, false, " (a top-1 fraction: 0.01 = 1 point)"};
inline constexpr Limit quantile{0, 0.5, true, true};
inline constexpr Limit smooth_quant_alpha{-1, 1, false, false, " (0 to 1; negative turns SmoothQuant off)"};
}  // namespace limits

}  // namespace torchvino
