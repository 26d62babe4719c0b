#pragma once
// Numeric limits of the options that both flags and YAML keys set, in one table, so that the
// command line and a config file accept exactly the same values (NaN is never accepted).
#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace torchvino::cli {

struct Limit {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool max_exclusive = false;
  bool min_exclusive = false;
  const char* meaning = "";  // appended to the problem, e.g. "(a top-1 fraction: 0.01 = 1 point)"

  // The problem with `value`, or nothing when it is allowed.
  std::optional<std::string> problem(double value) const;
};

inline constexpr Limit kSubsetSize{1};
inline constexpr Limit kRankingSubset{1};
inline constexpr Limit kCalibrationSeed{0};
inline constexpr Limit kMaxIterations{0};
inline constexpr Limit kValidationLimit{0};
inline constexpr Limit kMaxDrop{0, 1, true, false, " (a top-1 fraction: 0.01 = 1 point)"};
inline constexpr Limit kQuantile{0, 0.5, true, true};
inline constexpr Limit kSmoothQuantAlpha{-1, 1, false, false, " (0 to 1; negative turns SmoothQuant off)"};

}  // namespace torchvino::cli
