#include <openvino/op/reshape.hpp>
#include <torch/torch.h>

#include "convert/translators/translators.hpp"
#include "torchvino/error.hpp"

namespace torchvino::convert {

ov::Output<ov::Node> flatten(Context& ctx, const ov::Output<ov::Node>& x, int64_t start_dim,
                             int64_t end_dim) {
  const auto& shape = x.get_partial_shape();
  if (shape.rank().is_dynamic())
    throw Error("cannot convert '" + ctx.path() + "': flatten needs an input of known rank");
  const auto rank = shape.rank().get_length();
  if (start_dim < 0) start_dim += rank;
  if (end_dim < 0) end_dim += rank;
  if (start_dim < 0 || end_dim >= rank || start_dim > end_dim)
    throw Error("cannot convert '" + ctx.path() + "': flatten dims out of range");
  // Reshape's special zero copies a leading dimension (the dynamic batch) unchanged; at most
  // one other entry may be -1, so any further dynamic dimension cannot be expressed here.
  std::vector<int64_t> pattern;
  bool inferred = false;
  auto dim_or_infer = [&](const ov::Dimension& d) {
    if (d.is_static()) return d.get_length();
    if (inferred)
      throw Error("cannot convert '" + ctx.path() + "': flatten of a shape with several dynamic "
                  "dimensions (" + shape.to_string() + ")");
    inferred = true;
    return int64_t{-1};
  };
  for (int64_t i = 0; i < start_dim; ++i) pattern.push_back(0);
  bool static_segment = true;
  int64_t product = 1;
  for (int64_t i = start_dim; i <= end_dim; ++i) {
    static_segment = static_segment && shape[i].is_static();
    if (shape[i].is_static()) product *= shape[i].get_length();
  }
  pattern.push_back(static_segment ? product : dim_or_infer(ov::Dimension::dynamic()));
  for (int64_t i = end_dim + 1; i < rank; ++i) pattern.push_back(dim_or_infer(shape[i]));
  auto reshape = std::make_shared<ov::op::v1::Reshape>(x, Context::i64(pattern), true);
  return ctx.named(reshape);
}

void add_flatten_translator(Registry& r) {
  r.add<torch::nn::FlattenImpl>(
      [](Context& ctx, const torch::nn::FlattenImpl& f, const ov::Output<ov::Node>& x) {
        return flatten(ctx, x, f.options.start_dim(), f.options.end_dim());
      });
}

}  // namespace torchvino::convert
