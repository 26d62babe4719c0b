#pragma once
// The ResNet family's modules: internal, so that the zoo can build them and the converter can
// translate them, while users reach them through create_model.
#include <torch/nn.h>

#include <cstdint>

namespace torchvino {

// Parameter and buffer names and shapes are torchvision's (conv1, bn1, layer1.0.conv1, ...,
// layer2.0.downsample.0/1, fc), so torchvision state dicts load one to one. Bottleneck is
// torchvision's "v1.5" (stride on the 3×3 conv).
// Stem: for image_size > 64 the torchvision stem (7×7/2 conv, 3×3/2 max-pool). For small
// images (image_size <= 64, e.g. 32×32 CIFAR) that stem would shrink the image 4× before the
// first block, so conv1 is 3×3 stride 1 and `maxpool` is an Identity: same names, only
// conv1.weight's kernel size differs from torchvision's.

struct BasicBlockImpl : torch::nn::Module {
  static constexpr int64_t expansion = 1;
  BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};  // null when the shortcut is the identity
};
TORCH_MODULE(BasicBlock);

struct BottleneckImpl : torch::nn::Module {
  static constexpr int64_t expansion = 4;
  BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

struct ResNetImpl : torch::nn::Module {
  // depth: 18, 34, 50, 101 or 152.
  ResNetImpl(int64_t depth, int64_t in_channels, int64_t num_classes, int64_t image_size);
  torch::Tensor forward(torch::Tensor x);

  bool small_input_stem = false;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::AnyModule maxpool;  // MaxPool2d, or Identity with the small-input stem
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::AdaptiveAvgPool2d avgpool{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

}  // namespace torchvino
