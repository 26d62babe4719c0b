#include <openvino/op/add.hpp>
#include <openvino/op/convolution.hpp>
#include <openvino/op/group_conv.hpp>
#include <torch/torch.h>

#include "convert/translators/translators.hpp"
#include "torchvino/error.hpp"

namespace torchvino::convert {

namespace {

struct Padding {
  ov::CoordinateDiff begin, end;
};

Padding conv_padding(const torch::nn::detail::ConvNdOptions<2>& o) {
  const auto& p = o.padding();
  if (const auto* explicit_pad = std::get_if<torch::ExpandingArray<2>>(&p)) {
    ov::CoordinateDiff pads((*explicit_pad)->begin(), (*explicit_pad)->end());
    return {pads, pads};
  }
  if (std::holds_alternative<torch::enumtype::kValid>(p)) return {{0, 0}, {0, 0}};
  // padding="same": PyTorch puts the odd extra pixel at the end, like SAME_UPPER, but
  // explicit pads keep the graph independent of the input size.
  Padding pads;
  for (size_t i = 0; i < 2; ++i) {
    const int64_t total = (*o.dilation())[i] * ((*o.kernel_size())[i] - 1);
    pads.begin.push_back(total / 2);
    pads.end.push_back(total - total / 2);
  }
  return pads;
}

}  // namespace

ov::Output<ov::Node> convolution(Context& ctx, const torch::nn::Conv2dImpl& conv,
                                 const torch::nn::BatchNorm2dImpl* folded_bn,
                                 const ov::Output<ov::Node>& x) {
  torch::NoGradGuard no_grad;
  const auto& o = conv.options;
  if (!std::holds_alternative<torch::enumtype::kZeros>(o.padding_mode()))
    throw Error("cannot convert layer '" + ctx.path() + "': Conv2d padding_mode " +
                torch::enumtype::get_enum_name(o.padding_mode()) + " is not supported (only zeros)");

  auto weight = conv.weight.detach().to(torch::kDouble);
  auto bias = conv.bias.defined() ? conv.bias.detach().to(torch::kDouble)
                                  : torch::zeros({o.out_channels()}, torch::kDouble);
  if (folded_bn != nullptr) {
    if (folded_bn->options.num_features() != o.out_channels())
      throw Error("cannot fold BatchNorm into '" + ctx.path() + "': it has " +
                  std::to_string(folded_bn->options.num_features()) + " channels, the conv " +
                  std::to_string(o.out_channels()));
    const auto bn = batchnorm_affine(*folded_bn);
    weight = weight * bn.scale.view({-1, 1, 1, 1});
    bias = bias * bn.scale + bn.shift;
  }

  const ov::Strides strides(o.stride()->begin(), o.stride()->end());
  const ov::Strides dilations(o.dilation()->begin(), o.dilation()->end());
  const auto pads = conv_padding(o);
  std::shared_ptr<ov::Node> op;
  if (o.groups() == 1) {
    op = std::make_shared<ov::op::v1::Convolution>(x, ctx.constant(weight, "weight"), strides,
                                                   pads.begin, pads.end, dilations);
  } else {
    // GroupConvolution wants the filters split per group: [G, O/G, I/G, kH, kW].
    const auto grouped = weight.reshape({o.groups(), o.out_channels() / o.groups(),
                                         weight.size(1), weight.size(2), weight.size(3)});
    op = std::make_shared<ov::op::v1::GroupConvolution>(
        x, ctx.constant(grouped, "weight"), strides, pads.begin, pads.end, dilations);
  }
  ctx.named(op);
  if (!conv.bias.defined() && folded_bn == nullptr) return op;
  auto add = std::make_shared<ov::op::v1::Add>(op, ctx.constant(bias.view({1, -1, 1, 1}), "bias"));
  return ctx.named(add, "bias");
}

ov::Output<ov::Node> conv_bn(Context& ctx, const std::string& name,
                             const torch::nn::Conv2dImpl& conv,
                             const torch::nn::BatchNorm2dImpl& bn, const ov::Output<ov::Node>& x) {
  return ctx.within(name, [&] { return convolution(ctx, conv, &bn, x); });
}

void add_conv2d_translator(Registry& r) {
  r.add<torch::nn::Conv2dImpl>(
      [](Context& ctx, const torch::nn::Conv2dImpl& conv, const ov::Output<ov::Node>& x) {
        return convolution(ctx, conv, nullptr, x);
      });
}

}  // namespace torchvino::convert
