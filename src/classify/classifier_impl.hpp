#pragma once
// What Classifier and its Stream share: the compiled model, how images enter it, how outputs
// become predictions.
#include <mutex>
#include <openvino/runtime/infer_request.hpp>

#include "classify/model_input.hpp"
#include "torchvino/classifier.hpp"
#include "torchvino/openvino_runtime.hpp"

namespace torchvino {

struct Classifier::Impl {
  std::string file;  // names the model in errors
  ClassifierOptions options;
  IrMetadata metadata;
  std::vector<std::string> labels;
  bool outputs_probabilities = false;  // the model ends in a Softmax
  classify::ModelInput input;
  ov::CompiledModel compiled;
  ov::InferRequest request;  // classify(); one at a time
  std::mutex request_mutex;

  // Top-k of every row of a batch×classes output.
  std::vector<TopK> top_k(const ov::Tensor& output) const;
};

}  // namespace torchvino
