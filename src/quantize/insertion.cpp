#include "quantize/insertion.hpp"

#include <openvino/op/constant.hpp>
#include <openvino/op/convert.hpp>
#include <openvino/op/multiply.hpp>

#include <algorithm>
#include <cmath>

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
  if (grid.low < -128 || grid.high > 127 || grid.low >= 0 || grid.high <= 0 || grid.divisor <= 0)
    throw Error("quantize: a weight grid must hold zero and fit int8");
  const ChannelIndex index(w.shape, w.channel_axes);
  if (abs_max.size() != index.channels()) throw Error("quantize: one weight range per channel expected");
  QuantizedWeights q;
  q.shape = w.shape;
  q.scale_shape = index.broadcast_shape();
  q.scales.resize(abs_max.size());
  for (size_t c = 0; c < abs_max.size(); ++c) q.scales[c] = abs_max[c] / grid.divisor;
  q.values.resize(w.values.size());
  // Codes are computed as OpenVINO's FakeQuantize computes them, the path NNCF's weights take:
  // a 255-level grid over ±abs_max·(127 / divisor) (the 7-bit grid is the 8-bit one over twice
  // the range), (w − low) / (high − low) · 254 in float, rounded half to even. The channel's
  // largest weight then falls on the same side of a tie as in NNCF's model (on the 7-bit grid
  // it sits on one, ±63.5): the codes are NNCF's, bit for bit.
  const float widen = 127.0f / grid.divisor;
  const auto low = static_cast<float>(grid.low), high = static_cast<float>(grid.high);
  for (size_t i = 0; i < w.values.size(); ++i) {
    const float top = abs_max[index(i)] * widen;
    const float level = std::nearbyint((w.values[i] + top) / (top + top) * 254.0f) - 127.0f;
    q.values[i] = static_cast<int8_t>(std::clamp(level, low, high));
  }
  return q;
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

ov::Output<ov::Node> fake_quantized_weights(const WeightQuantizer& w, const std::vector<float>& abs_max,
                                            const std::string& name, const WeightGrid& grid) {
  // The FakeQuantize reads weights already on the grid, so it cannot round a tie (the largest
  // weight sits on one on the 7-bit grid) differently from the stored int8 form.
  const auto q = quantize_weights(w, abs_max, grid);
  const ChannelIndex index(w.shape, w.channel_axes);
  std::vector<float> on_grid(q.values.size()), lo(abs_max.size()), hi(abs_max.size());
  for (size_t i = 0; i < on_grid.size(); ++i) on_grid[i] = static_cast<float>(q.values[i]) * q.scales[index(i)];
  for (size_t c = 0; c < abs_max.size(); ++c) {
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
