#include "torchvino/limits.hpp"

#include <fmt/format.h>

#include "torchvino/error.hpp"

namespace torchvino {

std::optional<std::string> Limit::problem(double value) const {
  const bool below = min_exclusive ? !(value > min) : !(value >= min);
  const bool above = max_exclusive ? !(value < max) : !(value <= max);
  if (!std::isnan(value) && !below && !above) return std::nullopt;
  std::string range;
  if (std::isinf(max)) {
    range = fmt::format("must be {} {:g}", min_exclusive ? "greater than" : "at least", min);
  } else {
    range = fmt::format("must be in {}{:g}, {:g}{}", min_exclusive ? "(" : "[", min, max, max_exclusive ? ")" : "]");
  }
  return fmt::format("{:.6g} {}{}", value, range, meaning);
}

void Limit::check(const char* key, double value) const {
  if (const auto why = problem(value)) throw Error(std::string(key) + ": " + *why, key);
}

}  // namespace torchvino
