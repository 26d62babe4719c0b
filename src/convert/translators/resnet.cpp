#include <openvino/op/add.hpp>
#include <openvino/op/relu.hpp>
#include <torch/torch.h>

#include "convert/translators/translators.hpp"
#include "models/resnet.hpp"

namespace torchvino::convert {

namespace {

ov::Output<ov::Node> relu(Context& ctx, const ov::Output<ov::Node>& x, const std::string& role) {
  return ctx.named(std::make_shared<ov::op::v0::Relu>(x), role);
}

// relu(residual + shortcut): the shortcut is the block's input, or its downsample branch
// (a Sequential of 1×1 strided conv + BN, folded like any conv + BN pair).
template <typename Block>
ov::Output<ov::Node> close_block(Context& ctx, const Block& block, const ov::Output<ov::Node>& residual,
                                 const ov::Output<ov::Node>& input) {
  const auto shortcut = block.downsample ? ctx.translate(*block.downsample, "downsample", input) : input;
  auto sum = ctx.named(std::make_shared<ov::op::v1::Add>(residual, shortcut), "add");
  return relu(ctx, sum, "relu");
}

ov::Output<ov::Node> basic_block(Context& ctx, const BasicBlockImpl& b, const ov::Output<ov::Node>& x) {
  auto out = relu(ctx, conv_bn(ctx, "conv1", *b.conv1, *b.bn1, x), "relu1");
  out = conv_bn(ctx, "conv2", *b.conv2, *b.bn2, out);
  return close_block(ctx, b, out, x);
}

ov::Output<ov::Node> bottleneck(Context& ctx, const BottleneckImpl& b, const ov::Output<ov::Node>& x) {
  auto out = relu(ctx, conv_bn(ctx, "conv1", *b.conv1, *b.bn1, x), "relu1");
  out = relu(ctx, conv_bn(ctx, "conv2", *b.conv2, *b.bn2, out), "relu2");
  out = conv_bn(ctx, "conv3", *b.conv3, *b.bn3, out);
  return close_block(ctx, b, out, x);
}

// Mirrors ResNetImpl::forward.
ov::Output<ov::Node> resnet(Context& ctx, const ResNetImpl& net, const ov::Output<ov::Node>& input) {
  auto x = relu(ctx, conv_bn(ctx, "conv1", *net.conv1, *net.bn1, input), "relu");
  x = ctx.translate(*net.maxpool.ptr(), "maxpool", x);
  x = ctx.translate(*net.layer1, "layer1", x);
  x = ctx.translate(*net.layer2, "layer2", x);
  x = ctx.translate(*net.layer3, "layer3", x);
  x = ctx.translate(*net.layer4, "layer4", x);
  x = ctx.translate(*net.avgpool, "avgpool", x);
  x = ctx.within("flatten", [&] { return flatten(ctx, x, 1, -1); });
  return ctx.translate(*net.fc, "fc", x);
}

}  // namespace

void add_resnet_translators(Registry& r) {
  r.add<BasicBlockImpl>(basic_block);
  r.add<BottleneckImpl>(bottleneck);
  r.add<ResNetImpl>(resnet);
}

}  // namespace torchvino::convert
