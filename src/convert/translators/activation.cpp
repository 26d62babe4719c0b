#include <openvino/op/relu.hpp>
#include <torch/torch.h>

#include "convert/translators/translators.hpp"

namespace torchvino::convert {

void add_activation_translators(Registry& r) {
  r.add<torch::nn::ReLUImpl>(
      [](Context& ctx, const torch::nn::ReLUImpl&, const ov::Output<ov::Node>& x) {
        return ctx.named(std::make_shared<ov::op::v0::Relu>(x));
      });
  // Identity in inference; emitting nothing keeps the graph free of no-op layers.
  auto pass_through = [](Context&, const auto&, const ov::Output<ov::Node>& x) { return x; };
  r.add<torch::nn::IdentityImpl>(pass_through);
  r.add<torch::nn::DropoutImpl>(pass_through);
  r.add<torch::nn::Dropout2dImpl>(pass_through);
}

}  // namespace torchvino::convert
