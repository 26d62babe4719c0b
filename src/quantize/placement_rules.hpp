#pragma once
// The placement rules: which ops get quantizers and on which inputs, which ops a quantizer moves
// up through, and where the CNN and transformer schemes differ. Everything that knows op types is
// here; graph_analysis.cpp walks the graph with these rules. A new compute op is one row of the
// compute-op table (placement_rules.cpp), a new value-moving op one name in its list.
#include <openvino/core/node.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace torchvino::quant {

// Compute ops, whose activation inputs get quantizers and whose constant input int8 weights:
// Convolution, GroupConvolution, MatMul.
bool is_quantizable_op(const ov::Node& node);

// Whether input `index` of a compute op may hold its weights (a convolution's filter; either side
// of a MatMul).
bool may_hold_weights(const ov::Node& op, size_t index);

// Whether a compute op is quantized only with constant weights (convolutions).
bool weights_required(const ov::Node& op);

// The axes of a compute op's weights (input `weight_input`, of rank `rank`) that get one scale
// each: the output channels.
std::vector<size_t> weight_channel_axes(const ov::Node& op, size_t weight_input, size_t rank);

// The channel axes of a compute op's activation input and of its output (-1: unknown rank), for
// bias correction.
struct LayerChannelAxes {
  int64_t activation = 1;
  int64_t output = 1;
};
LayerChannelAxes layer_channel_axes(const ov::Node& op, size_t activation_input);

// Ops that pass values through (a quantizer moves above them): the inputs whose values their
// outputs carry. Empty for every other op.
std::vector<size_t> data_inputs(const ov::Node& node);

// ShapeOf: it reads only the shape of its input, so quantizing that input changes nothing it
// computes, and nothing computed from its output is data derived from the input's values.
bool reads_shape_only(const ov::Node& node);

// Values of a constant weight input, following Convert (FP16 IR) and shape-only ops (Reshape,
// Squeeze, Unsqueeze) back to the Constant. Empty when the input is not constant.
std::vector<float> constant_values(const ov::Output<ov::Node>& output);

// The CNN scheme's non-compute ops whose inputs get quantizers: "residual Add", "pooling" or
// "gating Multiply"; empty for other ops.
std::string input_quantized_op(const ov::Node& op);

// Why the transformer scheme leaves the inputs of such an op (of kind `kind`) in FP32.
std::string transformer_fp32_reason(const std::string& kind);

// Compute ops NNCF quantizes that this quantizer does not (yet): why they stay FP32; empty for
// every other op.
std::string unsupported_reason(const ov::Node& op);

// Why the transformer scheme leaves this compute op in FP32 (a MatMul reading a Softmax output);
// empty when it does not.
std::string transformer_layer_fp32_reason(const ov::Node& op);

}  // namespace torchvino::quant
