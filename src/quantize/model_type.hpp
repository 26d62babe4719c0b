#pragma once
// Tells transformers from CNNs by their graph, for ModelType::Auto.
#include <openvino/core/model.hpp>

#include <string>

#include "torchvino/quantize.hpp"

namespace torchvino::quant {

struct DetectedModelType {
  ModelType type = ModelType::CNN;
  std::string evidence;  // the op that decided it, for the report; empty for CNN
};

// Transformer when the graph has self-attention (a Softmax fed by a MatMul of two activations
// and read by a MatMul, a few ops apart) or layer normalisation (MVN), else CNN.
DetectedModelType detect_model_type(const ov::Model& model);

// `requested` unless Auto, else what detect_model_type finds.
DetectedModelType resolve_model_type(ModelType requested, const ov::Model& model);

}  // namespace torchvino::quant
