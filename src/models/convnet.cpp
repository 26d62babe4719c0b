#include "torchvino/models.hpp"

namespace torchvino {

namespace nn = torch::nn;

namespace {
// Conv(k5, p2) → BatchNorm → ReLU → MaxPool(2): keeps H×W, then halves it.
nn::Sequential conv_block(int64_t in, int64_t out) {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 5).stride(1).padding(2)),
                        nn::BatchNorm2d(out), nn::ReLU(),
                        nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(2)));
}
}  // namespace

ConvNetImpl::ConvNetImpl(int64_t in_channels, int64_t num_classes, int64_t image_size) {
  const int64_t side = image_size / 4;  // two 2× poolings
  layer1 = register_module("layer1", conv_block(in_channels, 16));
  layer2 = register_module("layer2", conv_block(16, 32));
  fc = register_module("fc", nn::Linear(side * side * 32, num_classes));
}

torch::Tensor ConvNetImpl::forward(torch::Tensor x) {
  x = layer2->forward(layer1->forward(x));
  return fc->forward(x.flatten(1));
}

}  // namespace torchvino
