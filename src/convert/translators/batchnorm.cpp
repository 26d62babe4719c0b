#include <openvino/op/add.hpp>
#include <openvino/op/multiply.hpp>
#include <torch/torch.h>

#include "convert/translators/translators.hpp"
#include "torchvino/error.hpp"

namespace torchvino::convert {

ChannelAffine batchnorm_affine(const torch::nn::BatchNorm2dImpl& bn) {
  torch::NoGradGuard no_grad;
  if (!bn.running_mean.defined() || !bn.running_var.defined())
    throw Error("BatchNorm2d without running statistics (track_running_stats=false) normalises "
                "with batch statistics and cannot be converted to a fixed graph");
  // float64 so that folding adds no rounding beyond the final cast to float32.
  const auto mean = bn.running_mean.detach().to(torch::kDouble);
  const auto var = bn.running_var.detach().to(torch::kDouble);
  const int64_t c = mean.size(0);
  const auto gamma = bn.weight.defined() ? bn.weight.detach().to(torch::kDouble)
                                         : torch::ones({c}, torch::kDouble);
  const auto beta = bn.bias.defined() ? bn.bias.detach().to(torch::kDouble)
                                      : torch::zeros({c}, torch::kDouble);
  const auto scale = gamma / torch::sqrt(var + bn.options.eps());
  return {scale, beta - mean * scale};
}

void add_batchnorm_translator(Registry& r) {
  // Only reached when no convolution precedes the BatchNorm to absorb it.
  r.add<torch::nn::BatchNorm2dImpl>(
      [](Context& ctx, const torch::nn::BatchNorm2dImpl& bn, const ov::Output<ov::Node>& x) {
        const auto affine = batchnorm_affine(bn);
        auto mul = std::make_shared<ov::op::v1::Multiply>(
            x, ctx.constant(affine.scale.view({1, -1, 1, 1}), "scale"));
        ctx.named(mul, "scale");
        auto add = std::make_shared<ov::op::v1::Add>(
            mul, ctx.constant(affine.shift.view({1, -1, 1, 1}), "shift"));
        return ctx.named(add);
      });
}

}  // namespace torchvino::convert
