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

// A model of the zoo: how to build it and the input it takes by default.
struct ModelInfo {
  std::string name;  // ModelSpec::arch
  torch::nn::AnyModule (*build)(const ModelSpec& spec);
  int64_t in_channels;  // default input channels
  // Default input side on small datasets (at most 32 pixels); larger ones keep their own size.
  int64_t small_image_size;

  // Default input side for a dataset of image_size×image_size images.
  int64_t image_size_for(int64_t dataset_image_size) const;
};

// The zoo: convnet, and the ResNet family (resnet18 ... resnet152: torchvision's parameter names,
// so torchvision state dicts load one to one; images of at most 64 pixels get a 3×3 stride-1 stem
// without max-pooling).
std::vector<std::string> model_names();
// Throws Error for a name not in model_names(), listing the known ones.
const ModelInfo& model_info(const std::string& arch);
// Builds a freshly initialised model; throws Error for an unknown arch or an invalid spec.
Model create_model(const ModelSpec& spec);

// Checkpoints: parameters, buffers and the spec in one file, written atomically.
void save_checkpoint(const Model& model, const std::filesystem::path& file);
Model load_checkpoint(const std::filesystem::path& file);

}  // namespace torchvino
