#include <torch/version.h>

#include <openvino/core/version.hpp>

#include "torchvino/report.hpp"

namespace torchvino {

std::string torch_version() { return TORCH_VERSION; }

std::string openvino_version() { return ov::get_openvino_version().buildNumber; }

}  // namespace torchvino
