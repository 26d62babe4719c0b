#include <torch/torch.h>

#include "convert/translators/translators.hpp"

namespace torchvino::convert {

namespace {
template <typename T>
const T* exactly(const std::shared_ptr<torch::nn::Module>& m) {
  if (!m) return nullptr;
  const torch::nn::Module& module = *m;  // typeid of a named reference: no side effect to evaluate
  return typeid(module) == typeid(T) ? static_cast<const T*>(m.get()) : nullptr;
}
}  // namespace

void add_sequential_translator(Registry& r) {
  r.add<torch::nn::SequentialImpl>(
      [](Context& ctx, const torch::nn::SequentialImpl& seq, const ov::Output<ov::Node>& input) {
        const auto children = seq.named_children();
        ov::Output<ov::Node> x = input;
        for (size_t i = 0; i < children.size(); ++i) {
          const auto& name = children[i].key();
          const auto& child = children[i].value();
          // A BatchNorm right after a convolution sees only that convolution's output, so it
          // is merged into the convolution's weights (the result is named after the conv).
          const auto* conv = exactly<torch::nn::Conv2dImpl>(child);
          const auto* bn = i + 1 < children.size()
                               ? exactly<torch::nn::BatchNorm2dImpl>(children[i + 1].value())
                               : nullptr;
          if (conv != nullptr && bn != nullptr) {
            x = conv_bn(ctx, name, *conv, *bn, x);
            ++i;
          } else {
            x = ctx.translate(*child, name, x);
          }
        }
        return x;
      });
}

}  // namespace torchvino::convert
