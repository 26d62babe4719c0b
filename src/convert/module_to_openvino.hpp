#pragma once
#include <torch/nn/module.h>

#include <memory>
#include <openvino/core/model.hpp>

namespace torchvino::convert {

// Converts any module the default registry can translate, fed by one float32 input "input" of
// `input_shape`; its output is named "logits". to_openvino() is this plus the zoo's shapes;
// tests use it to check single layers.
std::shared_ptr<ov::Model> module_to_openvino(const torch::nn::Module& module,
                                              const ov::PartialShape& input_shape,
                                              const std::string& model_name = "torchvino");

}  // namespace torchvino::convert
