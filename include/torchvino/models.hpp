#pragma once
#include <torch/nn.h>

#include <filesystem>
#include <string>
#include <vector>

namespace torchvino {

// Everything needed to rebuild a model's architecture; stored inside each checkpoint.
struct ModelSpec {
  std::string arch = "convnet";
  int64_t in_channels = 1;
  int64_t num_classes = 10;
  int64_t image_size = 28;  // square input, H = W
};

// The user-defined network of the original tutorial, with the same parameter names as its
// PyTorch definition (layer1.0.weight, ..., fc.bias), so Python state dicts map one to one.
struct ConvNetImpl : torch::nn::Module {
  ConvNetImpl(int64_t in_channels, int64_t num_classes, int64_t image_size);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Sequential layer1{nullptr}, layer2{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ConvNet);

// A model of the zoo: its spec plus the LibTorch module that implements it.
struct Model {
  ModelSpec spec;
  torch::nn::AnyModule net;

  torch::Tensor forward(const torch::Tensor& x) { return net.forward(x); }
  torch::nn::Module& module() const { return *net.ptr(); }
};

std::vector<std::string> model_names();
// Builds a freshly initialised model; throws Error for an unknown arch.
Model create_model(const ModelSpec& spec);

// Checkpoints: parameters, buffers and the spec in one file, written atomically.
void save_checkpoint(const Model& model, const std::filesystem::path& file);
Model load_checkpoint(const std::filesystem::path& file);

}  // namespace torchvino
