#include "quantize/insertion.hpp"

#include <openvino/op/constant.hpp>
#include <openvino/op/convert.hpp>
#include <openvino/op/multiply.hpp>

#include "quantize/weight_rounding.hpp"
#include "torchvino/error.hpp"

namespace torchvino::quant {
namespace {

std::shared_ptr<ov::op::v0::Constant> f32_constant(const ov::Shape& shape, const std::vector<float>& values) {
  return std::make_shared<ov::op::v0::Constant>(ov::element::f32, shape, values);
}

ov::Shape ones_like_rank(const ov::Output<ov::Node>& x) {
  const auto rank = x.get_partial_shape().rank();
  return rank.is_static() ? ov::Shape(static_cast<size_t>(rank.get_length()), 1) : ov::Shape{};
}

}  // namespace

std::shared_ptr<ov::op::v0::FakeQuantize> make_fake_quantize(const ov::Output<ov::Node>& x,
                                                             const std::vector<float>& lo,
                                                             const std::vector<float>& hi,
                                                             const ov::Shape& range_shape,
                                                             size_t levels) {
  if (lo.size() != ov::shape_size(range_shape) || hi.size() != lo.size())
    throw Error("quantize: FakeQuantize range does not match its shape");
  auto low = f32_constant(range_shape, lo);
  auto high = f32_constant(range_shape, hi);
  return std::make_shared<ov::op::v0::FakeQuantize>(x, low, high, low, high, levels);
}

std::shared_ptr<ov::op::v0::FakeQuantize> insert_activation_quantizer(const ActivationQuantizer& q,
                                                                      Range range) {
  auto fq = make_fake_quantize(q.tensor, {range.lo}, {range.hi}, ones_like_rank(q.tensor), kActivationLevels);
  fq->set_friendly_name(q.tensor.get_node()->get_friendly_name() + "/fq");
  for (auto consumer : q.consumers) consumer.replace_source_output(fq->output(0));
  return fq;
}

QuantizedWeights quantize_weights(const WeightQuantizer& w, const std::vector<float>& abs_max, const WeightGrid& grid) {
  return make_nearest_rounding()->quantize(w, abs_max, grid);
}

ov::Output<ov::Node> dequantized_weights(const QuantizedWeights& q, const std::string& name) {
  auto stored = std::make_shared<ov::op::v0::Constant>(ov::element::i8, q.shape, q.values);
  stored->set_friendly_name(name + "/weights_i8");
  auto as_float = std::make_shared<ov::op::v0::Convert>(stored, ov::element::f32);
  as_float->set_friendly_name(name + "/weights_convert");
  auto scaled = std::make_shared<ov::op::v1::Multiply>(as_float, f32_constant(q.scale_shape, q.scales));
  scaled->set_friendly_name(name + "/weights_dequantized");
  return scaled->output(0);
}

ov::Output<ov::Node> fake_quantized_weights(const WeightQuantizer& w, const QuantizedWeights& q,
                                            const std::string& name, const WeightGrid& grid) {
  // The FakeQuantize reads weights already on the grid, so it cannot round a tie (the largest
  // weight sits on one on the 7-bit grid) differently from the stored int8 form.
  const ChannelIndex index(w.shape, w.channel_axes);
  std::vector<float> on_grid(q.values.size()), lo(q.scales.size()), hi(q.scales.size());
  for (size_t i = 0; i < on_grid.size(); ++i) on_grid[i] = static_cast<float>(q.values[i]) * q.scales[index(i)];
  for (size_t c = 0; c < q.scales.size(); ++c) {
    lo[c] = static_cast<float>(grid.low) * q.scales[c];
    hi[c] = static_cast<float>(grid.high) * q.scales[c];
  }
  auto fq = make_fake_quantize(f32_constant(w.shape, on_grid), lo, hi, index.broadcast_shape(), grid.levels());
  fq->set_friendly_name(name + "/weights_fq");
  return fq->output(0);
}

void replace_weights(const WeightQuantizer& w, const ov::Output<ov::Node>& weights) {
  w.op->input(w.input_index).replace_source_output(weights);
}

}  // namespace torchvino::quant
