#include "quantize/graph_analysis.hpp"

#include <openvino/op/add.hpp>
#include <openvino/op/concat.hpp>
#include <openvino/op/constant.hpp>
#include <openvino/op/convolution.hpp>
#include <openvino/op/fake_quantize.hpp>
#include <openvino/op/group_conv.hpp>
#include <openvino/op/avg_pool.hpp>
#include <openvino/op/matmul.hpp>
#include <openvino/op/multiply.hpp>
#include <openvino/op/hard_sigmoid.hpp>
#include <openvino/op/hsigmoid.hpp>
#include <openvino/op/sigmoid.hpp>
#include <openvino/op/reduce_mean.hpp>
#include <openvino/op/relu.hpp>
#include <openvino/op/shape_of.hpp>
#include <openvino/op/softmax.hpp>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <utility>

namespace torchvino::quant {
namespace {

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

// The inputs of a pass-through op whose values its outputs carry (a quantizer moves above them):
// the data input of agnostic ops, every input of a Concat; none for other ops.
std::vector<size_t> data_inputs(const ov::Node& node) {
  if (is_agnostic(node)) return {0};
  if (ov::is_type<ov::op::v0::Concat>(&node)) {
    std::vector<size_t> all(node.get_input_size());
    std::iota(all.begin(), all.end(), size_t{0});
    return all;
  }
  return {};
}

// Ops between a weight Constant and its user that keep the element order.
bool is_weight_passthrough(const ov::Node& node) {
  static const std::set<std::string> names{"Convert", "Reshape", "Squeeze", "Unsqueeze"};
  if (!names.count(node.get_type_info().name)) return false;
  for (size_t i = 1; i < node.get_input_size(); ++i)
    if (!ov::is_type<ov::op::v0::Constant>(node.get_input_node_ptr(i))) return false;
  return true;
}

using InputKey = std::pair<const ov::Node*, size_t>;
InputKey key_of(const ov::Input<ov::Node>& input) { return {input.get_node(), input.get_index()}; }

// Moving a quantizer above a pass-through op is sound only when every reader of its outputs
// gets quantized values anyway: a quantized input (`quantized_inputs`), a ShapeOf (shapes do
// not change), or another pass-through op all of whose readers are such. Otherwise some reader
// would silently see quantized data. This lets one quantizer serve a Concat, a Split or a pooling
// output read by several quantized ops, as NNCF's propagation does.
class ReaderCheck {
 public:
  explicit ReaderCheck(std::set<InputKey> quantized_inputs) : quantized_inputs_(std::move(quantized_inputs)) {}

  bool all_readers_quantized(const ov::Node* node) {
    if (auto it = memo_.find(node); it != memo_.end()) return it->second;
    bool all = true;
    for (const auto& output : node->outputs())
      for (const auto& reader : output.get_target_inputs()) all = all && quantized(reader);
    memo_.emplace(node, all);
    return all;
  }

 private:
  bool quantized(const ov::Input<ov::Node>& input) {
    if (quantized_inputs_.count(key_of(input))) return true;
    const ov::Node* reader = input.get_node();
    if (reads_shape_only(*reader)) return true;
    const auto through = data_inputs(*reader);
    return std::find(through.begin(), through.end(), input.get_index()) != through.end() &&
           all_readers_quantized(reader);
  }

  std::set<InputKey> quantized_inputs_;
  std::map<const ov::Node*, bool> memo_;
};

struct Point {
  ov::Output<ov::Node> tensor;
  ov::Input<ov::Node> consumer;
};

void walk_up(const ov::Input<ov::Node>& input, ReaderCheck& readers, std::vector<Point>& points) {
  const ov::Output<ov::Node> source = input.get_source_output();
  ov::Node* node = source.get_node();
  // Concat inputs end in one range group: the plugin computes an INT8 Concat only when all its
  // inputs share one scale (NNCF unifies them too).
  const auto through = data_inputs(*node);
  if (!through.empty() && readers.all_readers_quantized(node)) {
    for (size_t i : through) walk_up(node->input(i), readers, points);
    return;
  }
  points.push_back({source, input});
}

// Whether a FakeQuantize already sits above `input` (through pass-through ops): a model
// quantized before. `seen` keeps reconverging Split → Concat paths from being walked twice.
bool reaches_fake_quantize(const ov::Input<ov::Node>& input, std::set<const ov::Node*>& seen) {
  ov::Node* node = input.get_source_output().get_node();
  if (!seen.insert(node).second) return false;
  if (ov::is_type<ov::op::v0::FakeQuantize>(node)) return true;
  for (size_t i : data_inputs(*node))
    if (reaches_fake_quantize(node->input(i), seen)) return true;
  return false;
}

bool reaches_fake_quantize(const ov::Input<ov::Node>& input) {
  std::set<const ov::Node*> seen;
  return reaches_fake_quantize(input, seen);
}

using TensorKey = std::pair<const ov::Node*, size_t>;
TensorKey key_of(const ov::Output<ov::Node>& output) {
  return {output.get_node(), output.get_index()};
}

// Collects walks, merges quantizers reading the same tensor and unions range groups.
class PlanBuilder {
 public:
  void add_walk(const ov::Input<ov::Node>& start, const std::string& served_op, bool symmetric,
                ReaderCheck& readers) {
    std::vector<Point> points;
    walk_up(start, readers, points);
    size_t first = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      const size_t q = quantizer_for(points[i].tensor);
      quantizers_[q].symmetric = quantizers_[q].symmetric || symmetric;
      auto& consumers = quantizers_[q].consumers;
      bool known = false;
      for (const auto& c : consumers) known = known || c == points[i].consumer;
      if (!known) consumers.push_back(points[i].consumer);
      auto& serves = quantizers_[q].serves;
      if (std::find(serves.begin(), serves.end(), served_op) == serves.end())
        serves.push_back(served_op);
      if (i == 0)
        first = q;
      else
        unite(first, q);
    }
  }

  std::vector<ActivationQuantizer> finish(size_t& groups) {
    std::map<size_t, size_t> group_ids;
    for (size_t i = 0; i < quantizers_.size(); ++i) {
      const size_t root = find(i);
      if (!group_ids.count(root)) group_ids.emplace(root, group_ids.size());
      quantizers_[i].group = group_ids.at(root);
    }
    groups = group_ids.size();
    return std::move(quantizers_);
  }

 private:
  size_t quantizer_for(const ov::Output<ov::Node>& tensor) {
    auto [it, inserted] = index_.emplace(key_of(tensor), quantizers_.size());
    if (inserted) {
      ActivationQuantizer q;
      q.tensor = tensor;
      q.after_relu = ov::is_type<ov::op::v0::Relu>(tensor.get_node());
      quantizers_.push_back(std::move(q));
      parent_.push_back(parent_.size());
    }
    return it->second;
  }
  size_t find(size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  void unite(size_t a, size_t b) { parent_[find(b)] = find(a); }

  std::vector<ActivationQuantizer> quantizers_;
  std::map<TensorKey, size_t> index_;
  std::vector<size_t> parent_;
};

std::vector<size_t> weight_channel_axes(const ov::Node& op, size_t weight_input, size_t rank) {
  if (ov::is_type<ov::op::v1::GroupConvolution>(&op)) return {0, 1};
  if (ov::is_type<ov::op::v1::Convolution>(&op)) return {0};
  if (rank < 2) return {};  // a vector of weights has no output-channel axis: per tensor
  const auto* mm = ov::as_type<const ov::op::v0::MatMul>(&op);
  const bool transposed = weight_input == 1 ? mm->get_transpose_b() : !mm->get_transpose_a();
  return {transposed ? rank - 2 : rank - 1};
}

int64_t rank_of(const ov::PartialShape& shape) {
  return shape.rank().is_static() ? shape.rank().get_length() : -1;
}

void decide_channel_axes(LayerDecision& layer) {
  const auto* mm = ov::as_type<const ov::op::v0::MatMul>(layer.op.get());
  if (!mm) return;  // convolutions: NCHW, channels on axis 1 both ways
  const int64_t in_rank = rank_of(mm->get_input_partial_shape(layer.activation_input));
  const int64_t out_rank = rank_of(mm->get_output_partial_shape(0));
  const bool transposed = layer.activation_input == 0 ? mm->get_transpose_a() : !mm->get_transpose_b();
  layer.activation_channel_axis = in_rank < 0 ? -1 : (transposed ? in_rank - 2 : in_rank - 1);
  layer.output_channel_axis = out_rank < 0 ? -1 : out_rank - 1;
}


// One op input to quantize, for the op named `served`.
struct Request {
  ov::Input<ov::Node> input;
  std::string served;
  bool symmetric = false;
};

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

// "residual Add" / "pooling" / "gating Multiply" for the non-compute ops whose inputs the CNN
// scheme quantizes (an Add or a Multiply of two activations, average pooling), else empty.
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

// Compute ops NNCF quantizes that this quantizer does not (yet): they stay FP32, said so.
std::string unsupported_reason(const ov::Node& op) {
  static const std::set<std::string> names{"ConvolutionBackpropData", "GroupConvolutionBackpropData"};
  const std::string type = op.get_type_name();
  if (!names.count(type)) return {};
  return "op type " + type + " is not supported by torchvino's quantizer (NNCF quantizes it)";
}

// Whether one of the op's inputs is a Softmax output, directly or through Reshape / Transpose:
// NNCF's transformer patterns leave such MatMuls (attention probabilities × values) in FP32.
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

bool is_quantizable_op(const ov::Node& node) {
  return ov::is_type<ov::op::v1::Convolution>(&node) ||
         ov::is_type<ov::op::v1::GroupConvolution>(&node) || ov::is_type<ov::op::v0::MatMul>(&node);
}

std::vector<float> constant_values(const ov::Output<ov::Node>& output) {
  const ov::Node* node = output.get_node();
  while (!ov::is_type<ov::op::v0::Constant>(node)) {
    if (!is_weight_passthrough(*node)) return {};
    node = node->get_input_node_ptr(0);
  }
  return ov::as_type<const ov::op::v0::Constant>(node)->cast_vector<float>();
}

QuantizationPlan analyse(const std::shared_ptr<ov::Model>& model, const AnalysisOptions& options,
                         const std::function<bool(const ov::Node&)>& ignore) {
  QuantizationPlan plan;
  // First every decision (which op inputs get quantized), then the walks up from them: whether a
  // quantizer may move above an op depends on all of that op's readers.
  std::vector<Request> requests;
  for (const auto& op : model->get_ordered_ops()) {
    const bool ignored = ignore && ignore(*op);
    if (const auto kind = input_quantized_op(*op); !kind.empty()) {
      std::string why;
      if (ignored)
        why = "ignored scope";
      else if (options.transformer)
        why = kind == "gating Multiply"
                  ? "transformer model: products of two activations stay FP32 (the gate rule is for CNNs)"
                  : "transformer model: NNCF does not quantize " + kind + " inputs in transformers";
      else if (kind == "residual Add" && !options.quantize_residual_adds)
        why = "residual Add quantization is off";
      else if (kind == "pooling" && !options.quantize_pooling)
        why = "pooling quantization is off";
      if (!why.empty()) {
        plan.fp32_ops.push_back({op->get_friendly_name(), op->get_type_name(), why});
        continue;
      }
      for (auto& input : op->inputs()) {
        if (!constant_values(input.get_source_output()).empty()) continue;
        requests.push_back({input, op->get_friendly_name(), false});
      }
      continue;
    }
    if (const auto why = unsupported_reason(*op); !why.empty()) {
      plan.fp32_ops.push_back({op->get_friendly_name(), op->get_type_name(), why});
      continue;
    }
    if (!is_quantizable_op(*op)) continue;

    LayerDecision layer;
    layer.op = op;
    // Weights are the constant input; MatMul may hold them on either side, or on neither
    // (two activations, as in attention), then both inputs are quantized as activations.
    std::vector<size_t> activation_inputs;
    int weight_input = -1;
    for (size_t i = 0; i < 2; ++i) {
      const bool weights_side = ov::is_type<ov::op::v0::MatMul>(op) || i == 1;
      if (weights_side && weight_input < 0 && !constant_values(op->input_value(i)).empty())
        weight_input = static_cast<int>(i);
      else
        activation_inputs.push_back(i);
    }
    const bool convolution = !ov::is_type<ov::op::v0::MatMul>(op);
    if (ignored) {
      layer.reason = "ignored scope";
    } else if (convolution && weight_input < 0) {
      layer.reason = ov::is_type<ov::op::v0::FakeQuantize>(op->get_input_node_ptr(1))
                         ? "already quantized"
                         : "weights are not constant";
    } else if (activation_inputs.empty()) {
      layer.reason = "no activation input (constant inputs only)";
    } else if (weight_input >= 0 && !op->get_input_partial_shape(weight_input).is_static()) {
      layer.reason = "weight shape is dynamic";
    } else if (options.transformer && reads_softmax(*op)) {
      layer.reason = "transformer model: reads a Softmax output (NNCF's Softmax-MatMul ignored pattern)";
    } else {
      for (size_t i : activation_inputs)
        if (reaches_fake_quantize(op->input(i))) layer.reason = "already quantized";
    }
    if (layer.reason.empty()) {
      // NNCF's transformer rule: the activation × activation MatMuls of attention get symmetric
      // quantizers whatever the preset.
      const bool symmetric = options.transformer && weight_input < 0;
      for (size_t i : activation_inputs)
        requests.push_back({op->input(i), op->get_friendly_name(), symmetric});
      layer.quantized = true;
      layer.activation_input = activation_inputs.front();
      decide_channel_axes(layer);
      if (weight_input >= 0) {
        WeightQuantizer w;
        w.op = op;
        w.input_index = static_cast<size_t>(weight_input);
        w.shape = op->get_input_shape(w.input_index);
        w.values = constant_values(op->input_value(w.input_index));
        w.channel_axes = weight_channel_axes(*op, w.input_index, w.shape.size());
        layer.weight = static_cast<int>(plan.weights.size());
        plan.weights.push_back(std::move(w));
      }
    }
    plan.layers.push_back(std::move(layer));
  }

  // A quantizer already on the way (a model quantized before): that input is left as it is.
  std::vector<Request> kept;
  for (const auto& r : requests)
    if (!reaches_fake_quantize(r.input)) kept.push_back(r);
  std::set<InputKey> quantized_inputs;
  for (const auto& r : kept) quantized_inputs.insert(key_of(r.input));
  ReaderCheck readers(std::move(quantized_inputs));
  PlanBuilder builder;
  for (const auto& r : kept) builder.add_walk(r.input, r.served, r.symmetric, readers);
  plan.activations = builder.finish(plan.groups);
  return plan;
}

bool reads_shape_only(const ov::Node& node) {
  return ov::is_type<ov::op::v0::ShapeOf>(&node) || ov::is_type<ov::op::v3::ShapeOf>(&node);
}

}  // namespace torchvino::quant
