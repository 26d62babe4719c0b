#pragma once
// Message building shared by every stage: concatenation, joining lists, and the two ways
// accuracy figures are printed (points and percent).
#include <fmt/format.h>

#include <cstdint>
#include <iomanip>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

namespace torchvino::util {

template <typename T>
void append(std::ostringstream& out, const T& value) {
  // uint8_t would print as a character.
  if constexpr (std::is_same_v<T, uint8_t> || std::is_same_v<T, int8_t>) {
    out << static_cast<int>(value);
  } else {
    out << value;
  }
}

template <typename... Args>
std::string cat(const Args&... args) {
  std::ostringstream out;
  (append(out, args), ...);
  return out.str();
}

template <typename Range>
std::string join(const Range& items, std::string_view separator = ", ") {
  std::ostringstream out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out << separator;
    append(out, item);
    first = false;
  }
  return out.str();
}

inline std::string hex(uint64_t value, int digits) {
  std::ostringstream out;
  out << "0x" << std::hex << std::setw(digits) << std::setfill('0') << value;
  return out.str();
}

// An accuracy fraction as percentage points without the sign: 0.9094 → "90.94".
inline std::string points(double fraction) { return fmt::format("{:.2f}", fraction * 100); }
// The same with the sign: 0.9094 → "90.94%".
inline std::string percent(double fraction) { return points(fraction) + "%"; }

}  // namespace torchvino::util
