#include "quantize/bias_correction.hpp"

#include <openvino/op/add.hpp>
#include <openvino/op/constant.hpp>
#include <openvino/op/parameter.hpp>
#include <openvino/runtime/properties.hpp>

#include <cmath>

#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino::quant {
namespace {

// Mean over every axis but `axis` of a row-major tensor.
std::vector<double> channel_means(const float* data, const ov::Shape& shape, size_t axis) {
  const size_t channels = shape.at(axis);
  size_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  const size_t outer = ov::shape_size(shape) / (channels * inner);
  std::vector<double> mean(channels, 0.0);
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c)
      for (size_t i = 0; i < inner; ++i) mean[c] += data[(o * channels + c) * inner + i];
  for (auto& m : mean) m /= static_cast<double>(outer * inner);
  return mean;
}

}  // namespace

std::optional<BiasAdd> find_bias(const LayerDecision& layer) {
  const auto readers = layer.op->output(0).get_target_inputs();
  if (readers.size() != 1 || layer.output_channel_axis < 0) return std::nullopt;
  auto add = readers.begin()->get_node()->shared_from_this();
  if (!ov::is_type<ov::op::v1::Add>(add)) return std::nullopt;
  const auto& out_shape = layer.op->get_output_partial_shape(0);
  const auto axis = static_cast<size_t>(layer.output_channel_axis);
  if (out_shape.rank().is_dynamic() || out_shape[axis].is_dynamic()) return std::nullopt;
  BiasAdd bias;
  bias.add = add;
  bias.bias_input = add->get_input_node_ptr(0) == layer.op.get() ? 1 : 0;
  bias.values = constant_values(add->input_value(bias.bias_input));
  // Only a bias with exactly one value per output channel, laid out along that channel axis.
  const auto bias_shape = add->get_input_partial_shape(bias.bias_input);
  if (bias.values.size() != static_cast<size_t>(out_shape[axis].get_length()) || bias_shape.is_dynamic())
    return std::nullopt;
  const auto shape = bias_shape.to_shape();
  const size_t offset = out_shape.size() - shape.size();  // numpy broadcasting aligns the right
  if (shape.size() > out_shape.size() || axis < offset || shape[axis - offset] != bias.values.size())
    return std::nullopt;
  return bias;
}

std::vector<float> bias_shift(const LayerDecision& layer, const WeightQuantizer& weights,
                              const QuantizedWeights& quantized, const std::vector<float>& input_mean,
                              ov::Shape input_shape) {
  if (input_shape.empty() || layer.activation_channel_axis < 0) throw Error("quantize: bias correction needs a ranked input");
  input_shape[0] = 1;
  const auto channel_axis = static_cast<size_t>(layer.activation_channel_axis);
  if (input_shape.at(channel_axis) != input_mean.size()) throw Error("quantize: input mean does not match the input channels");

  auto input = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, input_shape);
  auto build = [&](const ov::Output<ov::Node>& w) {
    ov::OutputVector args = layer.op->input_values();
    args[layer.activation_input] = input;
    args[weights.input_index] = w;
    return layer.op->clone_with_new_inputs(args);
  };
  auto fp = build(std::make_shared<ov::op::v0::Constant>(ov::element::f32, weights.shape, weights.values));
  auto q = build(dequantized_weights(quantized, layer.op->get_friendly_name()));
  auto probe = std::make_shared<ov::Model>(ov::OutputVector{fp, q}, ov::ParameterVector{input});
  auto compiled = openvino_core().compile_model(probe, "CPU", ov::hint::inference_precision(ov::element::f32));
  auto request = compiled.create_infer_request();

  ov::Tensor x(ov::element::f32, input_shape);
  size_t inner = 1;
  for (size_t d = channel_axis + 1; d < input_shape.size(); ++d) inner *= input_shape[d];
  float* data = x.data<float>();
  for (size_t i = 0; i < x.get_size(); ++i) data[i] = input_mean[(i / inner) % input_mean.size()];
  request.set_input_tensor(x);
  request.infer();

  const auto axis = static_cast<size_t>(layer.output_channel_axis);
  const auto out_fp = request.get_output_tensor(0);
  const auto out_q = request.get_output_tensor(1);
  const auto mean_fp = channel_means(out_fp.data<const float>(), out_fp.get_shape(), axis);
  const auto mean_q = channel_means(out_q.data<const float>(), out_q.get_shape(), axis);
  std::vector<float> shift(mean_fp.size());
  for (size_t c = 0; c < shift.size(); ++c) shift[c] = static_cast<float>(mean_fp[c] - mean_q[c]);
  return shift;
}

bool shift_is_plausible(const std::vector<float>& bias, const std::vector<float>& shift, float threshold) {
  if (bias.size() != shift.size()) return false;
  for (size_t c = 0; c < bias.size(); ++c)
    if (bias[c] == 0.0f || std::fabs(shift[c] / bias[c]) >= threshold) return false;
  return true;
}

void apply_bias_shift(const BiasAdd& bias, const std::vector<float>& shift) {
  std::vector<float> updated(bias.values);
  for (size_t c = 0; c < updated.size(); ++c) updated[c] += shift.at(c);
  auto input = bias.add->input(bias.bias_input);
  auto constant = std::make_shared<ov::op::v0::Constant>(ov::element::f32, input.get_shape(), updated);
  constant->set_friendly_name(bias.add->get_friendly_name() + "/corrected_bias");
  input.replace_source_output(constant);
}

}  // namespace torchvino::quant
