#include "quantize/bias_correction.hpp"

#include "quantize/statistics.hpp"

#include <openvino/op/add.hpp>
#include <openvino/op/constant.hpp>
#include <openvino/op/parameter.hpp>

#include <cmath>

#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino::quant {
namespace {

std::vector<double> channel_means(const ov::Tensor& tensor, size_t axis) {
  std::vector<double> mean(tensor.get_shape().at(axis), 0.0);
  const size_t count = add_channel_sums(tensor.data<const float>(), tensor.get_shape(), axis, mean);
  for (auto& m : mean) m /= static_cast<double>(count);
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

std::vector<BiasedLayer> biased_layers(const QuantizationPlan& plan) {
  std::vector<BiasedLayer> out;
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    const auto& layer = plan.layers[l];
    if (!layer.quantized || layer.weight < 0 || layer.activation_channel_axis < 0) continue;
    if (auto bias = find_bias(layer)) out.push_back({l, std::move(*bias)});
  }
  return out;
}

std::vector<std::vector<float>> bias_shifts(const std::vector<BiasShiftProbe>& probes, const RuntimeContext& runtime) {
  if (probes.empty()) return {};
  ov::ParameterVector inputs;
  ov::OutputVector outputs;  // FP32 and quantized output of each probe, in turn
  std::vector<ov::Tensor> values;
  for (const auto& p : probes) {
    const auto& layer = *p.layer;
    ov::Shape shape = p.input_shape;
    if (shape.empty() || layer.activation_channel_axis < 0) throw Error("quantize: bias correction needs a ranked input");
    shape[0] = 1;
    const auto channel_axis = static_cast<size_t>(layer.activation_channel_axis);
    if (shape.at(channel_axis) != p.input_mean.size())
      throw Error("quantize: input mean does not match the input channels");

    auto input = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, shape);
    auto build = [&](const ov::Output<ov::Node>& w) {
      ov::OutputVector args = layer.op->input_values();
      args[layer.activation_input] = input;
      args[p.weights->input_index] = w;
      return layer.op->clone_with_new_inputs(args);
    };
    outputs.push_back(build(std::make_shared<ov::op::v0::Constant>(ov::element::f32, p.weights->shape, p.weights->values)));
    outputs.push_back(build(dequantized_weights(*p.quantized, layer.op->get_friendly_name())));
    inputs.push_back(input);

    ov::Tensor x(ov::element::f32, shape);
    size_t inner = 1;
    for (size_t d = channel_axis + 1; d < shape.size(); ++d) inner *= shape[d];
    float* data = x.data<float>();
    for (size_t i = 0; i < x.get_size(); ++i) data[i] = p.input_mean[(i / inner) % p.input_mean.size()];
    values.push_back(std::move(x));
  }
  auto compiled = compile_model(std::make_shared<ov::Model>(outputs, inputs), runtime);
  auto request = compiled.create_infer_request();
  for (size_t i = 0; i < probes.size(); ++i) request.set_input_tensor(i, values[i]);
  request.infer();

  std::vector<std::vector<float>> shifts;
  for (size_t i = 0; i < probes.size(); ++i) {
    const auto axis = static_cast<size_t>(probes[i].layer->output_channel_axis);
    const auto mean_fp = channel_means(request.get_output_tensor(2 * i), axis);
    const auto mean_q = channel_means(request.get_output_tensor(2 * i + 1), axis);
    auto& shift = shifts.emplace_back(mean_fp.size());
    for (size_t c = 0; c < shift.size(); ++c) shift[c] = static_cast<float>(mean_fp[c] - mean_q[c]);
  }
  return shifts;
}

bool shift_is_plausible(const std::vector<float>& bias, const std::vector<float>& shift, float threshold) {
  if (bias.size() != shift.size()) return false;
  for (size_t c = 0; c < bias.size(); ++c)
    if (bias[c] == 0.0f || std::fabs(shift[c] / bias[c]) >= threshold) return false;
  return true;
}

void apply_bias_shift(BiasAdd& bias, const std::vector<float>& shift) {
  for (size_t c = 0; c < bias.values.size(); ++c) bias.values[c] += shift.at(c);
  auto input = bias.add->input(bias.bias_input);
  auto constant = std::make_shared<ov::op::v0::Constant>(ov::element::f32, input.get_shape(), bias.values);
  constant->set_friendly_name(bias.add->get_friendly_name() + "/corrected_bias");
  input.replace_source_output(constant);
}

}  // namespace torchvino::quant
