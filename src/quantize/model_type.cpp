#include "quantize/model_type.hpp"

#include <openvino/op/matmul.hpp>
#include <openvino/op/mvn.hpp>
#include <openvino/op/scaled_dot_product_attention.hpp>
#include <openvino/op/softmax.hpp>

#include <deque>
#include <set>
#include <utility>

#include "quantize/graph_analysis.hpp"

namespace torchvino::quant {
namespace {

// Attention puts a scale, a mask Add or a Reshape between QKᵀ and the Softmax, and a Reshape or
// Transpose between the Softmax and the MatMul with V: a few ops either way.
constexpr int kAttentionHops = 4;

bool is_activation_matmul(const ov::Node& node) {
  return ov::is_type<ov::op::v0::MatMul>(&node) && constant_values(node.input_value(0)).empty() &&
         constant_values(node.input_value(1)).empty();
}

// Whether a node matching `match` is within kAttentionHops of `from`, upwards or downwards.
template <class Match>
bool near(const ov::Node* from, bool upwards, Match match) {
  std::set<const ov::Node*> seen{from};
  std::deque<std::pair<const ov::Node*, int>> queue{{from, 0}};
  while (!queue.empty()) {
    const auto [node, hops] = queue.front();
    queue.pop_front();
    if (node != from && match(*node)) return true;
    if (hops == kAttentionHops) continue;
    std::vector<const ov::Node*> next;
    if (upwards) {
      for (const auto& input : node->inputs()) next.push_back(input.get_source_output().get_node());
    } else {
      for (const auto& output : node->outputs())
        for (const auto& reader : output.get_target_inputs()) next.push_back(reader.get_node());
    }
    for (const auto* n : next)
      if (seen.insert(n).second) queue.push_back({n, hops + 1});
  }
  return false;
}

}  // namespace

DetectedModelType detect_model_type(const ov::Model& model) {
  for (const auto& op : model.get_ordered_ops()) {
    const std::string name = op->get_friendly_name();
    if (ov::is_type<ov::op::v13::ScaledDotProductAttention>(op))
      return {ModelType::Transformer, "ScaledDotProductAttention '" + name + "'"};
    if (ov::is_type<ov::op::v0::MVN>(op) || ov::is_type<ov::op::v6::MVN>(op))
      return {ModelType::Transformer, "layer normalisation (MVN '" + name + "')"};
    if (ov::is_type<ov::op::v1::Softmax>(op) || ov::is_type<ov::op::v8::Softmax>(op)) {
      const bool scores = near(op.get(), true, is_activation_matmul);
      const bool values = near(op.get(), false, [](const ov::Node& n) { return ov::is_type<ov::op::v0::MatMul>(&n); });
      if (scores && values) return {ModelType::Transformer, "attention (MatMul → Softmax '" + name + "' → MatMul)"};
    }
  }
  return {ModelType::CNN, {}};
}

DetectedModelType resolve_model_type(ModelType requested, const ov::Model& model) {
  if (requested != ModelType::Auto) return {requested, {}};
  return detect_model_type(model);
}

}  // namespace torchvino::quant
