#include <algorithm>
#include <cctype>

#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

Precision parse_precision(const std::string& text) {
  std::string t = text;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t == "fp32") return Precision::FP32;
  if (t == "fp16") return Precision::FP16;
  throw Error("unknown precision '" + text + "' (expected fp32 or fp16)");
}

std::string to_string(Precision precision) {
  return precision == Precision::FP16 ? "fp16" : "fp32";
}

}  // namespace torchvino
