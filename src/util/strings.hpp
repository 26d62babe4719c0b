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
// NaN (not measured: no test images) is "n/a".
inline std::string points(double fraction) {
  return fraction != fraction ? "n/a" : fmt::format("{:.2f}", fraction * 100);
}
// The same with the sign: 0.9094 → "90.94%".
inline std::string percent(double fraction) { return fraction != fraction ? "n/a" : points(fraction) + "%"; }

// A library's message made one line: OpenVINO's carry a "Check ... failed at src/...cpp:123:"
// preamble per frame, and the user needs the last, innermost line that says what is wrong.
inline std::string essence(const std::string& what) {
  std::istringstream lines(what);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.rfind("Exception from ", 0) == 0 || line.find("Check '") != std::string::npos) continue;
    last = line;
  }
  return last.empty() ? what : last;
}

// Numbers longer than `max` characters (300 digits pasted into a flag) shortened to their start,
// an ellipsis and their length, so that an error message stays readable. Paths stay whole.
inline std::string shorten_long_numbers(const std::string& text, size_t max = 40) {
  std::string out, word;
  auto numeric = [](const std::string& w) {
    return w.find_first_not_of("0123456789.eE+-") == std::string::npos;
  };
  auto flush = [&] {
    if (word.size() > max && numeric(word))
      out += word.substr(0, 20) + "…(" + std::to_string(word.size()) + " characters)";
    else out += word;
    word.clear();
  };
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\'' || c == '"' || c == ',') {
      flush();
      out += c;
    } else {
      word += c;
    }
  }
  flush();
  return out;
}

}  // namespace torchvino::util
