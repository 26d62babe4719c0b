#include <torch/torch.h>

#include <map>

#include "models/resnet.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace nn = torch::nn;

namespace {

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return nn::Conv2d(
      nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

// The projection shortcut when a block changes resolution or width: 1×1 strided conv + BN.
nn::Sequential shortcut(int64_t in, int64_t out, int64_t stride) {
  if (stride == 1 && in == out) return nullptr;
  return nn::Sequential(conv(in, out, 1, stride), nn::BatchNorm2d(out));
}

struct Layout {
  bool bottleneck;
  std::array<int64_t, 4> blocks;
};

const std::map<int64_t, Layout>& layouts() {
  static const std::map<int64_t, Layout> table = {{18, {false, {2, 2, 2, 2}}},
                                                  {34, {false, {3, 4, 6, 3}}},
                                                  {50, {true, {3, 4, 6, 3}}},
                                                  {101, {true, {3, 4, 23, 3}}},
                                                  {152, {true, {3, 8, 36, 3}}}};
  return table;
}

template <typename Block>
nn::Sequential make_stage(int64_t& inplanes, int64_t planes, int64_t blocks, int64_t stride) {
  nn::Sequential stage;
  for (int64_t i = 0; i < blocks; ++i) {
    stage->push_back(Block(inplanes, planes, i == 0 ? stride : 1));
    inplanes = planes * Block::ContainedType::expansion;
  }
  return stage;
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride) {
  conv1 = register_module("conv1", conv(inplanes, planes, 3, stride));
  bn1 = register_module("bn1", nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, 1));
  bn2 = register_module("bn2", nn::BatchNorm2d(planes));
  if (auto s = shortcut(inplanes, planes * expansion, stride)) downsample = register_module("downsample", s);
}

torch::Tensor BasicBlockImpl::forward(torch::Tensor x) {
  auto out = torch::relu(bn1->forward(conv1->forward(x)));
  out = bn2->forward(conv2->forward(out));
  return torch::relu(out + (downsample ? downsample->forward(x) : x));
}

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride) {
  conv1 = register_module("conv1", conv(inplanes, planes, 1, 1));
  bn1 = register_module("bn1", nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, stride));
  bn2 = register_module("bn2", nn::BatchNorm2d(planes));
  conv3 = register_module("conv3", conv(planes, planes * expansion, 1, 1));
  bn3 = register_module("bn3", nn::BatchNorm2d(planes * expansion));
  if (auto s = shortcut(inplanes, planes * expansion, stride)) downsample = register_module("downsample", s);
}

torch::Tensor BottleneckImpl::forward(torch::Tensor x) {
  auto out = torch::relu(bn1->forward(conv1->forward(x)));
  out = torch::relu(bn2->forward(conv2->forward(out)));
  out = bn3->forward(conv3->forward(out));
  return torch::relu(out + (downsample ? downsample->forward(x) : x));
}

ResNetImpl::ResNetImpl(int64_t depth, int64_t in_channels, int64_t num_classes, int64_t image_size) {
  const auto it = layouts().find(depth);
  if (it == layouts().end()) throw Error("no ResNet of depth " + std::to_string(depth));
  const Layout& layout = it->second;

  small_input_stem = image_size <= 64;
  if (small_input_stem) {
    conv1 = register_module("conv1", conv(in_channels, 64, 3, 1));
    maxpool = nn::AnyModule(nn::Identity());
  } else {
    conv1 = register_module("conv1", conv(in_channels, 64, 7, 2));
    maxpool = nn::AnyModule(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  }
  bn1 = register_module("bn1", nn::BatchNorm2d(64));
  register_module("maxpool", maxpool.ptr());

  int64_t inplanes = 64;
  const std::array<int64_t, 4> planes = {64, 128, 256, 512};
  std::array<nn::Sequential, 4> stages;
  for (size_t i = 0; i < 4; ++i) {
    const int64_t stride = i == 0 ? 1 : 2;
    stages[i] = layout.bottleneck
                    ? make_stage<Bottleneck>(inplanes, planes[i], layout.blocks[i], stride)
                    : make_stage<BasicBlock>(inplanes, planes[i], layout.blocks[i], stride);
  }
  layer1 = register_module("layer1", stages[0]);
  layer2 = register_module("layer2", stages[1]);
  layer3 = register_module("layer3", stages[2]);
  layer4 = register_module("layer4", stages[3]);
  avgpool = register_module("avgpool", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})));
  fc = register_module("fc", nn::Linear(inplanes, num_classes));

  // torchvision's initialisation: He-normal (fan-out) convolutions, BatchNorm as identity.
  torch::NoGradGuard no_grad;
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* c = dynamic_cast<nn::Conv2dImpl*>(m.get())) {
      nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* bn = dynamic_cast<nn::BatchNorm2dImpl*>(m.get())) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    }
  }
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  x = torch::relu(bn1->forward(conv1->forward(x)));
  x = maxpool.forward(x);
  x = layer4->forward(layer3->forward(layer2->forward(layer1->forward(x))));
  return fc->forward(torch::flatten(avgpool->forward(x), 1));
}

}  // namespace torchvino
