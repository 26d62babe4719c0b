#include "quantize/graph_analysis.hpp"

#include <openvino/op/add.hpp>
#include <openvino/op/concat.hpp>
#include <openvino/op/constant.hpp>
#include <openvino/op/convolution.hpp>
#include <openvino/op/fake_quantize.hpp>
#include <openvino/op/group_conv.hpp>
#include <openvino/op/avg_pool.hpp>
#include <openvino/op/matmul.hpp>
#include <openvino/op/reduce_mean.hpp>
#include <openvino/op/relu.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace torchvino::quant {
namespace {

// Ops that only move or select values: quantizing before or after them gives the same numbers,
// so a quantizer is placed above them and one FakeQuantize serves every path through them.
bool is_agnostic(const ov::Node& node) {
  static const std::set<std::string> names{"MaxPool",      "Reshape",        "Transpose",
                                           "Squeeze",      "Unsqueeze",      "StridedSlice",
                                           "Slice",        "DepthToSpace",   "SpaceToDepth",
                                           "ShuffleChannels"};
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

// Moving a quantizer above `output`'s node is only sound when nothing else reads its values:
// otherwise other readers would silently see quantized data.
bool read_only_by_one(const ov::Output<ov::Node>& output) {
  const ov::Node* node = output.get_node();
  for (size_t i = 0; i < node->get_output_size(); ++i) {
    const size_t readers = node->output(i).get_target_inputs().size();
    if (readers != (i == output.get_index() ? 1u : 0u)) return false;
  }
  return true;
}

struct Point {
  ov::Output<ov::Node> tensor;
  ov::Input<ov::Node> consumer;
};

void walk_up(const ov::Input<ov::Node>& input, std::vector<Point>& points) {
  const ov::Output<ov::Node> source = input.get_source_output();
  ov::Node* node = source.get_node();
  if (read_only_by_one(source)) {
    if (is_agnostic(*node)) {
      walk_up(node->input(0), points);
      return;
    }
    // The plugin computes an INT8 Concat only when all its inputs share one scale.
    if (ov::is_type<ov::op::v0::Concat>(node)) {
      for (auto& concat_input : node->inputs()) walk_up(concat_input, points);
      return;
    }
  }
  points.push_back({source, input});
}

using TensorKey = std::pair<const ov::Node*, size_t>;
TensorKey key_of(const ov::Output<ov::Node>& output) {
  return {output.get_node(), output.get_index()};
}

// Collects walks, merges quantizers reading the same tensor and unions range groups.
class PlanBuilder {
 public:
  // Returns false when a quantizer is already present on the way (model quantized before).
  bool add_walk(const ov::Input<ov::Node>& start, const std::string& served_op) {
    std::vector<Point> points;
    walk_up(start, points);
    for (const auto& p : points)
      if (ov::is_type<ov::op::v0::FakeQuantize>(p.tensor.get_node())) return false;
    size_t first = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      const size_t q = quantizer_for(points[i].tensor);
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
    return true;
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
  PlanBuilder builder;
  for (const auto& op : model->get_ordered_ops()) {
    const bool ignored = ignore && ignore(*op);
    if (ignored && !is_quantizable_op(*op)) continue;
    if (options.quantize_residual_adds && ov::is_type<ov::op::v1::Add>(op) &&
        constant_values(op->input_value(0)).empty() && constant_values(op->input_value(1)).empty()) {
      builder.add_walk(op->input(0), op->get_friendly_name());
      builder.add_walk(op->input(1), op->get_friendly_name());
      continue;
    }
    // INT8 average pooling reads u8 and spares the plugin a dequantize-requantize round trip
    // before the classifier (NNCF quantizes it too).
    if (options.quantize_pooling &&
        (ov::is_type<ov::op::util::AvgPoolBase>(op) || ov::is_type<ov::op::v1::ReduceMean>(op)) &&
        constant_values(op->input_value(0)).empty()) {
      builder.add_walk(op->input(0), op->get_friendly_name());
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
    }
    if (layer.reason.empty()) {
      bool fresh = true;
      for (size_t i : activation_inputs) fresh = builder.add_walk(op->input(i), op->get_friendly_name()) && fresh;
      if (!fresh) layer.reason = "already quantized";
    }
    if (layer.reason.empty()) {
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
  plan.activations = builder.finish(plan.groups);
  return plan;
}

}  // namespace torchvino::quant
