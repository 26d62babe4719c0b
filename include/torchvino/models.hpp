#pragma once
#include <torch/nn.h>

#include <filesystem>
#include <string>
#include <utility>
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

// What a checkpoint records about the data a model was trained on, for whoever deploys it. Empty
// fields are unknown (e.g. a freshly created model): nothing is guessed.
struct ModelMetadata {
  std::string dataset;              // e.g. "fashion-mnist"
  std::vector<float> mean, std;     // normalisation: x = (pixel/255 - mean) / std, per channel
  std::vector<std::string> labels;  // class index -> name
};

// A model of the zoo: its spec plus the LibTorch module that implements it.
struct Model {
  ModelSpec spec;
  torch::nn::AnyModule net;
  ModelMetadata metadata = {};  // saved with the checkpoint, restored by load_checkpoint

  torch::Tensor forward(const torch::Tensor& x) { return net.forward(x); }
  torch::nn::Module& module() const { return *net.ptr(); }
};

// A model of the zoo: how to build it and the input it takes by default. Everything the library
// knows about an architecture is here, so that a new one is its module file plus a row.
struct ModelInfo {
  std::string name;  // ModelSpec::arch
  torch::nn::AnyModule (*build)(const ModelSpec& spec);
  int64_t in_channels;  // default input channels
  // Default input side on small datasets (at most 32 pixels); larger ones keep their own size.
  int64_t small_image_size;
  // Refuses, with an Error, a spec this architecture would build too large (on top of the limits
  // every spec has); none when null.
  void (*check_spec)(const ModelSpec& spec) = nullptr;
  // What a checkpoint records about a built module beyond its spec, in order (ResNet:
  // small_input_stem); none when null.
  std::vector<std::pair<std::string, c10::IValue>> (*checkpoint_fields)(const torch::nn::Module& net) = nullptr;

  // Default input side for a dataset of image_size×image_size images.
  int64_t image_size_for(int64_t dataset_image_size) const;
};

// The zoo: convnet, and the ResNet family (resnet18 ... resnet152: torchvision's parameter names,
// so torchvision state dicts load one to one; images of at most 64 pixels get a 3×3 stride-1 stem
// without max-pooling).
std::vector<std::string> model_names();
// Throws Error for a name not in model_names(), listing the known ones.
const ModelInfo& model_info(const std::string& arch);
// Limits of a ModelSpec (a spec read from a file must not size a huge allocation).
inline constexpr int64_t kMaxInChannels = 64, kMaxClasses = 100'000, kMaxImageSize = 4096;
// Builds a freshly initialised model; throws Error for an unknown arch or an invalid spec (out of
// the limits above, or a ConvNet with more than 2^28 classifier weights).
Model create_model(const ModelSpec& spec);

// Checkpoints are torch.save files that PyTorch opens with `torch.load(f)` (weights_only=True):
// a dict {"state_dict": {name: tensor}, "torchvino": {...}}. The state dict has the parameter and
// buffer names of torchvision's ResNets and of the ConvNet in docs/convnet.py, so it loads with
// load_state_dict(strict=True) into them. "torchvino" holds plain str/int/float/bool/list values:
// format_version, architecture, in_channels, num_classes, image_size, small_input_stem (ResNets:
// 3×3 stride-1 conv1 and no max-pool, see docs/convnet.py), dataset, mean, std, labels,
// torchvino_version.
inline constexpr int64_t kCheckpointFormatVersion = 1;

// Writes the checkpoint atomically (readers see the old file or the new one).
void save_checkpoint(const Model& model, const std::filesystem::path& file);
// Reads a checkpoint: the format above, or the old format, a TorchScript archive (deprecated:
// loads with a one-line note on stderr; support ends with the next release). Throws Error naming
// the file when it is missing, truncated, corrupt, not a torchvino checkpoint, of a newer format
// version, or when its tensors do not match its spec.
Model load_checkpoint(const std::filesystem::path& file);

}  // namespace torchvino
