#include "quantize/graph_analysis.hpp"

#include <openvino/op/fake_quantize.hpp>
#include <openvino/op/relu.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace torchvino::quant {
namespace {

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

// One op input to quantize, for the op named `served`.
struct Request {
  ov::Input<ov::Node> input;
  std::string served;
  bool symmetric = false;
};

}  // namespace

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
        why = transformer_fp32_reason(kind);
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
      if (may_hold_weights(*op, i) && weight_input < 0 && !constant_values(op->input_value(i)).empty())
        weight_input = static_cast<int>(i);
      else
        activation_inputs.push_back(i);
    }
    if (ignored) {
      layer.reason = "ignored scope";
    } else if (weights_required(*op) && weight_input < 0) {
      layer.reason = ov::is_type<ov::op::v0::FakeQuantize>(op->get_input_node_ptr(1))
                         ? "already quantized"
                         : "weights are not constant";
    } else if (activation_inputs.empty()) {
      layer.reason = "no activation input (constant inputs only)";
    } else if (weight_input >= 0 && !op->get_input_partial_shape(weight_input).is_static()) {
      layer.reason = "weight shape is dynamic";
    } else if (options.transformer && !transformer_layer_fp32_reason(*op).empty()) {
      layer.reason = transformer_layer_fp32_reason(*op);
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
      const auto axes = layer_channel_axes(*op, layer.activation_input);
      layer.activation_channel_axis = axes.activation;
      layer.output_channel_axis = axes.output;
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

}  // namespace torchvino::quant
