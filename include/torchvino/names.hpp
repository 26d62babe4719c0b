#pragma once
// Every word a user can type for a choice (preset, range estimator, mode, ...) is an enum with
// one table of names. parse(), to_string() and names_of() all read that table, so the CLI's
// choices, the YAML checks, the reports and the IR's rt_info can never disagree.
//
// A vocabulary is declared next to its enum by specialising EnumNames:
//   template <> struct EnumNames<Preset> {
//     static constexpr const char* what = "preset";
//     static constexpr std::array table{std::pair{Preset::Performance, "performance"}, ...};
//   };
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "torchvino/error.hpp"

namespace torchvino {

template <class E>
struct EnumNames;

template <class E>
concept NamedEnum = requires {
  EnumNames<E>::what;
  EnumNames<E>::table;
};

template <NamedEnum E>
std::vector<std::string> names_of() {
  std::vector<std::string> out;
  for (const auto& [value, name] : EnumNames<E>::table) out.emplace_back(name);
  return out;
}

template <NamedEnum E>
std::string to_string(E value) {
  for (const auto& [v, name] : EnumNames<E>::table)
    if (v == value) return name;
  throw Error(std::string("invalid ") + EnumNames<E>::what + " value " + std::to_string(static_cast<int>(value)));
}

// Throws Error "unknown <what> '<text>' (known: a, b, c)".
template <NamedEnum E>
E parse(std::string_view text) {
  for (const auto& [value, name] : EnumNames<E>::table)
    if (text == name) return value;
  std::string known;
  for (const auto& name : names_of<E>()) known += (known.empty() ? "" : ", ") + name;
  throw Error(std::string("unknown ") + EnumNames<E>::what + " '" + std::string(text) + "' (known: " + known + ")");
}

// Vocabularies of the options that are not a stage's own (a stage's live with its options).

// The memory layout of an image model's input: NCHW (PyTorch's), or NHWC (channels last, as
// TensorFlow and OpenCV-fed models have); an NHWC model gets a transpose baked in front.
enum class InputLayout { NCHW, NHWC };
template <>
struct EnumNames<InputLayout> {
  static constexpr const char* what = "input layout";
  static constexpr std::array table{std::pair{InputLayout::NCHW, "NCHW"}, std::pair{InputLayout::NHWC, "NHWC"}};
};

// A named preprocessing recipe: ImageNet's mean/std and resize-then-centre-crop.
// A flag that says on or off in words (--antialias on|off), where leaving it out means "as the
// model says".
enum class OnOff { Off, On };
template <>
struct EnumNames<OnOff> {
  static constexpr const char* what = "on/off value";
  static constexpr std::array table{std::pair{OnOff::Off, "off"}, std::pair{OnOff::On, "on"}};
};

enum class InputPreset { None, ImageNet };
template <>
struct EnumNames<InputPreset> {
  static constexpr const char* what = "preprocessing preset";
  static constexpr std::array table{std::pair{InputPreset::None, "none"}, std::pair{InputPreset::ImageNet, "imagenet"}};
};

// The quantization job's algorithm, by POT's names: plain post-training quantization, or with
// accuracy control (quantizer groups returned to FP32 until the drop is within max_drop).
enum class Algorithm { Default, AccuracyAware };
template <>
struct EnumNames<Algorithm> {
  static constexpr const char* what = "algorithm";
  static constexpr std::array table{std::pair{Algorithm::Default, "DefaultQuantization"},
                                    std::pair{Algorithm::AccuracyAware, "AccuracyAwareQuantization"}};
};

}  // namespace torchvino
