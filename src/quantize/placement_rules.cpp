#include "quantize/placement_rules.hpp"

#include <openvino/op/add.hpp>
#include <openvino/op/avg_pool.hpp>
#include <openvino/op/concat.hpp>
#include <openvino/op/constant.hpp>
#include <openvino/op/convolution.hpp>
#include <openvino/op/group_conv.hpp>
#include <openvino/op/hard_sigmoid.hpp>
#include <openvino/op/hsigmoid.hpp>
#include <openvino/op/matmul.hpp>
#include <openvino/op/multiply.hpp>
#include <openvino/op/reduce_mean.hpp>
#include <openvino/op/shape_of.hpp>
#include <openvino/op/sigmoid.hpp>
#include <openvino/op/softmax.hpp>

#include <numeric>
#include <set>

#include "torchvino/error.hpp"

namespace torchvino::quant {
namespace {

int64_t rank_of(const ov::PartialShape& shape) { return shape.rank().is_static() ? shape.rank().get_length() : -1; }

std::vector<size_t> convolution_weight_axes(const ov::Node&, size_t, size_t) { return {0}; }
std::vector<size_t> group_convolution_weight_axes(const ov::Node&, size_t, size_t) { return {0, 1}; }

std::vector<size_t> matmul_weight_axes(const ov::Node& op, size_t weight_input, size_t rank) {
  if (rank < 2) return {};  // a vector of weights has no output-channel axis: per tensor
  const auto& mm = static_cast<const ov::op::v0::MatMul&>(op);
  const bool transposed = weight_input == 1 ? mm.get_transpose_b() : !mm.get_transpose_a();
  return {transposed ? rank - 2 : rank - 1};
}

LayerChannelAxes matmul_channel_axes(const ov::Node& op, size_t activation_input) {
  const auto& mm = static_cast<const ov::op::v0::MatMul&>(op);
  const int64_t in_rank = rank_of(mm.get_input_partial_shape(activation_input));
  const int64_t out_rank = rank_of(mm.get_output_partial_shape(0));
  const bool transposed = activation_input == 0 ? mm.get_transpose_a() : !mm.get_transpose_b();
  return {in_rank < 0 ? -1 : (transposed ? in_rank - 2 : in_rank - 1), out_rank < 0 ? -1 : out_rank - 1};
}

// The compute ops, one row each.
struct ComputeOp {
  const ov::DiscreteTypeInfo& type;
  // MatMul: weights on either side, or none (two activations, as in attention, both quantized
  // as activations); convolutions: a constant filter on input 1 or no quantization.
  bool weights_on_either_input;
  std::vector<size_t> (*weight_axes)(const ov::Node& op, size_t weight_input, size_t rank);
  LayerChannelAxes (*channel_axes)(const ov::Node& op, size_t activation_input);  // null: NCHW both ways
};

const std::vector<ComputeOp>& compute_ops() {
  static const std::vector<ComputeOp> table{
      {ov::op::v1::Convolution::get_type_info_static(), false, convolution_weight_axes, nullptr},
      {ov::op::v1::GroupConvolution::get_type_info_static(), false, group_convolution_weight_axes, nullptr},
      {ov::op::v0::MatMul::get_type_info_static(), true, matmul_weight_axes, matmul_channel_axes},
  };
  return table;
}

const ComputeOp* compute_op(const ov::Node& node) {
  for (const auto& row : compute_ops())
    if (node.get_type_info().is_castable(row.type)) return &row;
  return nullptr;
}

const ComputeOp& require_compute_op(const ov::Node& node) {
  const auto* row = compute_op(node);
  if (!row) throw Error(std::string("quantize: ") + node.get_type_name() + " is not a compute op");
  return *row;
}

// Ops that only move or select values: quantizing before or after them gives the same numbers,
// so a quantizer is placed above them and one FakeQuantize serves every path through them.
// Reshape and Transpose include the channel shuffles of ShuffleNet; Split and VariadicSplit its
// channel splits.
bool is_agnostic(const ov::Node& node) {
  static const std::set<std::string> names{"MaxPool",      "Reshape",       "Transpose",      "Squeeze",
                                           "Unsqueeze",    "StridedSlice",  "Slice",          "DepthToSpace",
                                           "SpaceToDepth", "ShuffleChannels", "Split",        "VariadicSplit"};
  return names.count(node.get_type_info().name) > 0;
}

// Ops between a weight Constant and its user that keep the element order.
bool is_weight_passthrough(const ov::Node& node) {
  static const std::set<std::string> names{"Convert", "Reshape", "Squeeze", "Unsqueeze"};
  if (!names.count(node.get_type_info().name)) return false;
  for (size_t i = 1; i < node.get_input_size(); ++i)
    if (!ov::is_type<ov::op::v0::Constant>(node.get_input_node_ptr(i))) return false;
  return true;
}

// x · σ(x), SiLU (Swish) written out: one input is a sigmoid of the other.
bool is_silu(const ov::Node& multiply) {
  for (size_t i = 0; i < 2; ++i) {
    const ov::Node* gate = multiply.get_input_node_ptr(i);
    const bool sigmoid = ov::is_type<ov::op::v0::Sigmoid>(gate) || ov::is_type<ov::op::v0::HardSigmoid>(gate) ||
                         ov::is_type<ov::op::v5::HSigmoid>(gate);
    if (sigmoid && gate->input_value(0) == multiply.input_value(1 - i)) return true;
  }
  return false;
}

// Whether one of the op's inputs is a Softmax output, directly or through Reshape / Transpose.
bool reads_softmax(const ov::Node& op) {
  static const std::set<std::string> through{"Reshape", "Transpose", "Squeeze", "Unsqueeze"};
  for (const auto& input : op.inputs()) {
    const ov::Node* node = input.get_source_output().get_node();
    while (through.count(node->get_type_info().name)) node = node->get_input_node_ptr(0);
    if (ov::is_type<ov::op::v1::Softmax>(node) || ov::is_type<ov::op::v8::Softmax>(node)) return true;
  }
  return false;
}

}  // namespace

bool is_quantizable_op(const ov::Node& node) { return compute_op(node) != nullptr; }

bool may_hold_weights(const ov::Node& op, size_t index) {
  return require_compute_op(op).weights_on_either_input || index == 1;
}

bool weights_required(const ov::Node& op) { return !require_compute_op(op).weights_on_either_input; }

std::vector<size_t> weight_channel_axes(const ov::Node& op, size_t weight_input, size_t rank) {
  return require_compute_op(op).weight_axes(op, weight_input, rank);
}

LayerChannelAxes layer_channel_axes(const ov::Node& op, size_t activation_input) {
  const auto& row = require_compute_op(op);
  return row.channel_axes ? row.channel_axes(op, activation_input) : LayerChannelAxes{};
}

std::vector<size_t> data_inputs(const ov::Node& node) {
  if (is_agnostic(node)) return {0};
  if (ov::is_type<ov::op::v0::Concat>(&node)) {
    std::vector<size_t> all(node.get_input_size());
    std::iota(all.begin(), all.end(), size_t{0});
    return all;
  }
  return {};
}

bool reads_shape_only(const ov::Node& node) {
  return ov::is_type<ov::op::v0::ShapeOf>(&node) || ov::is_type<ov::op::v3::ShapeOf>(&node);
}

std::vector<float> constant_values(const ov::Output<ov::Node>& output) {
  const ov::Node* node = output.get_node();
  while (!ov::is_type<ov::op::v0::Constant>(node)) {
    if (!is_weight_passthrough(*node)) return {};
    node = node->get_input_node_ptr(0);
  }
  return ov::as_type<const ov::op::v0::Constant>(node)->cast_vector<float>();
}

std::string input_quantized_op(const ov::Node& op) {
  if (ov::is_type<ov::op::v1::Add>(&op) && constant_values(op.input_value(0)).empty() &&
      constant_values(op.input_value(1)).empty())
    return "residual Add";
  // INT8 average pooling reads u8 and spares the plugin a dequantize-requantize round trip
  // before the classifier (NNCF quantizes it too).
  if ((ov::is_type<ov::op::util::AvgPoolBase>(&op) || ov::is_type<ov::op::v1::ReduceMean>(&op)) &&
      constant_values(op.input_value(0)).empty())
    return "pooling";
  // A product of two activations that is not SiLU: the squeeze-and-excitation gate x · σ(…) of
  // MobileNetV3 and EfficientNet. With both inputs quantized (as NNCF does) the plugin runs it in
  // i8/u8, fused with the quantizer after it; in f32 it cost MobileNetV3 two f32 subgraphs per
  // block. SiLU's x · σ(x) is an activation function: quantizing its inputs (NNCF does, 222
  // FakeQuantize on EfficientNet-B0 against our 108) costs the plugin Reorders.
  if (ov::is_type<ov::op::v1::Multiply>(&op) && constant_values(op.input_value(0)).empty() &&
      constant_values(op.input_value(1)).empty() && !is_silu(op))
    return "gating Multiply";
  return {};
}

std::string transformer_fp32_reason(const std::string& kind) {
  return kind == "gating Multiply" ? "transformer model: products of two activations stay FP32 (the gate rule is for CNNs)"
                                   : "transformer model: NNCF does not quantize " + kind + " inputs in transformers";
}

std::string unsupported_reason(const ov::Node& op) {
  static const std::set<std::string> names{"ConvolutionBackpropData", "GroupConvolutionBackpropData"};
  const std::string type = op.get_type_name();
  if (!names.count(type)) return {};
  return "op type " + type + " is not supported by torchvino's quantizer (NNCF quantizes it)";
}

std::string transformer_layer_fp32_reason(const ov::Node& op) {
  // NNCF's transformer patterns leave MatMuls of attention probabilities × values in FP32.
  if (reads_softmax(op)) return "transformer model: reads a Softmax output (NNCF's Softmax-MatMul ignored pattern)";
  return {};
}

}  // namespace torchvino::quant
