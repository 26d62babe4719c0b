#pragma once
// How images are resized to a model's input (no LibTorch or OpenVINO header: the metadata and the
// Classifier use it too).
#include <array>
#include <utility>

#include "torchvino/names.hpp"

namespace torchvino {

// The filter. With antialiasing (Pillow's, torchvision's default) it widens over every source
// pixel it covers when shrinking; without, it keeps its size (torch's antialias=False, OpenCV).
enum class Interpolation { Nearest, Bilinear, Bicubic };
template <>
struct EnumNames<Interpolation> {
  static constexpr const char* what = "interpolation";
  static constexpr std::array table{std::pair{Interpolation::Nearest, "nearest"},
                                    std::pair{Interpolation::Bilinear, "bilinear"},
                                    std::pair{Interpolation::Bicubic, "bicubic"}};
};

}  // namespace torchvino
