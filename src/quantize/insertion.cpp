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

QuantizedWeights quantize_weights(const WeightQuantizer& w, const std::vector<float>& abs_max, int max_level) {
  if (max_level < 1 || max_level > 127) throw Error("quantize: weight levels must be within ±127");
  const ChannelIndex index(w.shape, w.channel_axes);
  if (abs_max.size() != index.channels()) throw Error("quantize: one weight range per channel expected");
  QuantizedWeights q;
  q.shape = w.shape;
  q.scale_shape = index.broadcast_shape();
  q.scales.resize(abs_max.size());
  const float top = static_cast<float>(max_level);
  for (size_t c = 0; c < abs_max.size(); ++c) q.scales[c] = abs_max[c] / top;
  q.values.resize(w.values.size());
  for (size_t i = 0; i < w.values.size(); ++i) {
    const float level = std::round(w.values[i] / q.scales[index(i)]);
    q.values[i] = static_cast<int8_t>(std::clamp(level, -top, top));
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
                                            const std::string& name, int max_level) {
  const ChannelIndex index(w.shape, w.channel_axes);
  std::vector<float> lo(abs_max.size());
  std::transform(abs_max.begin(), abs_max.end(), lo.begin(), [](float h) { return -h; });
  auto fq = make_fake_quantize(f32_constant(w.shape, w.values), lo, abs_max, index.broadcast_shape(),
                              static_cast<size_t>(2 * max_level + 1));
  fq->set_friendly_name(name + "/weights_fq");
  return fq->output(0);
}

void replace_weights(const WeightQuantizer& w, const ov::Output<ov::Node>& weights) {
  w.op->input(w.input_index).replace_source_output(weights);
}

}  // namespace torchvino::quant
