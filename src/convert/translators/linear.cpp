#include <openvino/op/add.hpp>
#include <openvino/op/matmul.hpp>
#include <torch/torch.h>

#include "convert/translators/translators.hpp"

namespace torchvino::convert {

void add_linear_translator(Registry& r) {
  r.add<torch::nn::LinearImpl>(
      [](Context& ctx, const torch::nn::LinearImpl& linear, const ov::Output<ov::Node>& x) {
        // The weight stays [out, in] with transpose_b, the layout quantizers and the CPU
        // plugin's FullyConnected expect, instead of a pre-transposed copy.
        auto mm = std::make_shared<ov::op::v0::MatMul>(x, ctx.constant(linear.weight, "weight"),
                                                       false, true);
        ctx.named(mm);
        if (!linear.bias.defined()) return ov::Output<ov::Node>(mm);
        auto add = std::make_shared<ov::op::v1::Add>(mm, ctx.constant(linear.bias, "bias"));
        return ctx.named(add, "bias");
      });
}

}  // namespace torchvino::convert
