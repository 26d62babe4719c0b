#include <openvino/op/adaptive_avg_pool.hpp>
#include <openvino/op/avg_pool.hpp>
#include <openvino/op/max_pool.hpp>
#include <openvino/op/reduce_mean.hpp>
#include <torch/torch.h>

#include "convert/translators/translators.hpp"
#include "torchvino/error.hpp"

namespace torchvino::convert {

namespace {

template <typename Array>
std::vector<size_t> to_sizes(const Array& a) {
  return std::vector<size_t>(a->begin(), a->end());
}

// CEIL_TORCH, not CEIL: PyTorch drops a last window that would start inside the padding.
ov::op::RoundingType rounding(bool ceil_mode) {
  return ceil_mode ? ov::op::RoundingType::CEIL_TORCH : ov::op::RoundingType::FLOOR;
}

ov::Output<ov::Node> max_pool(Context& ctx, const torch::nn::MaxPool2dImpl& m,
                              const ov::Output<ov::Node>& x) {
  const auto& o = m.options;
  const auto pads = to_sizes(o.padding());
  auto pool = std::make_shared<ov::op::v14::MaxPool>(
      x, ov::Strides(to_sizes(o.stride())), ov::Strides(to_sizes(o.dilation())), ov::Shape(pads),
      ov::Shape(pads), ov::Shape(to_sizes(o.kernel_size())), rounding(o.ceil_mode()));
  return ctx.named(pool->output(0));
}

ov::Output<ov::Node> avg_pool(Context& ctx, const torch::nn::AvgPool2dImpl& m,
                              const ov::Output<ov::Node>& x) {
  const auto& o = m.options;
  if (o.divisor_override().has_value())
    throw Error("cannot convert layer '" + ctx.path() + "': AvgPool2d divisor_override is not supported");
  const auto pads = to_sizes(o.padding());
  auto pool = std::make_shared<ov::op::v14::AvgPool>(
      x, ov::Strides(to_sizes(o.stride())), ov::Shape(pads), ov::Shape(pads),
      ov::Shape(to_sizes(o.kernel_size())), /*exclude_pad=*/!o.count_include_pad(),
      rounding(o.ceil_mode()));
  return ctx.named(pool);
}

ov::Output<ov::Node> adaptive_avg_pool(Context& ctx, const torch::nn::AdaptiveAvgPool2dImpl& m,
                                       const ov::Output<ov::Node>& x) {
  const auto& requested = *m.options.output_size();
  const auto& shape = x.get_partial_shape();
  std::vector<int64_t> out;
  for (size_t i = 0; i < 2; ++i) {
    if (requested[i].has_value()) {
      out.push_back(*requested[i]);
      continue;
    }
    // None keeps the input's size, which must then be known now.
    if (shape.rank().is_dynamic() || shape.rank().get_length() != 4 || shape[2 + i].is_dynamic())
      throw Error("cannot convert layer '" + ctx.path() +
                  "': AdaptiveAvgPool2d with a None size needs a static input size");
    out.push_back(shape[2 + i].get_length());
  }
  // The global pool of classification heads is a plain mean, which every plugin runs fast.
  if (out[0] == 1 && out[1] == 1)
    return ctx.named(std::make_shared<ov::op::v1::ReduceMean>(x, Context::i64({2, 3}), true));
  return ctx.named(std::make_shared<ov::op::v8::AdaptiveAvgPool>(x, Context::i64(out)));
}

}  // namespace

void add_pooling_translators(Registry& r) {
  r.add<torch::nn::MaxPool2dImpl>(max_pool);
  r.add<torch::nn::AvgPool2dImpl>(avg_pool);
  r.add<torch::nn::AdaptiveAvgPool2dImpl>(adaptive_avg_pool);
}

}  // namespace torchvino::convert
