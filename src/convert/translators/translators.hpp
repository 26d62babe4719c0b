#pragma once
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include "convert/context.hpp"
#include "convert/registry.hpp"

namespace torchvino::convert {

// Each translator file registers its module types here (called once by default_registry()).
void add_conv2d_translator(Registry& r);
void add_batchnorm_translator(Registry& r);
void add_activation_translators(Registry& r);  // ReLU, Identity, Dropout
void add_linear_translator(Registry& r);
void add_flatten_translator(Registry& r);
void add_pooling_translators(Registry& r);     // MaxPool2d, AvgPool2d, AdaptiveAvgPool2d
void add_sequential_translator(Registry& r);
void add_convnet_translator(Registry& r);
void add_resnet_translators(Registry& r);      // BasicBlock, Bottleneck, ResNet

// Every translator above: a new layer file is declared above and called here, nowhere else.
inline void add_all_translators(Registry& r) {
  add_conv2d_translator(r);
  add_batchnorm_translator(r);
  add_activation_translators(r);
  add_linear_translator(r);
  add_flatten_translator(r);
  add_pooling_translators(r);
  add_sequential_translator(r);
  add_convnet_translator(r);
  add_resnet_translators(r);
}

// Shared pieces that composite translators call directly.

// BatchNorm in eval mode as a per-channel affine map y = x·scale + shift (float64, [C]).
struct ChannelAffine {
  torch::Tensor scale, shift;
};
ChannelAffine batchnorm_affine(const torch::nn::BatchNorm2dImpl& bn);

// A Conv2d at the current path; with `folded_bn` the BatchNorm that follows it is merged into
// the weights and bias, so the graph holds one convolution and no per-channel Multiply/Add.
ov::Output<ov::Node> convolution(Context& ctx, const torch::nn::Conv2dImpl& conv,
                                 const torch::nn::BatchNorm2dImpl* folded_bn,
                                 const ov::Output<ov::Node>& x);
// The same for a child conv named `name` followed by `bn` (ResNet's conv1/bn1 pairs).
ov::Output<ov::Node> conv_bn(Context& ctx, const std::string& name,
                             const torch::nn::Conv2dImpl& conv,
                             const torch::nn::BatchNorm2dImpl& bn, const ov::Output<ov::Node>& x);

// torch.flatten(x, start, end) for a rank-static input.
ov::Output<ov::Node> flatten(Context& ctx, const ov::Output<ov::Node>& x, int64_t start_dim,
                             int64_t end_dim);

}  // namespace torchvino::convert
