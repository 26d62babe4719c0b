#include "quantize/overflow_fix.hpp"

#include <deque>

namespace torchvino::quant {

OverflowFix resolve_overflow_fix(OverflowFix option, bool cpu_has_vnni) {
  if (option != OverflowFix::Auto) return option;
  return cpu_has_vnni ? OverflowFix::FirstLayer : OverflowFix::Enable;
}

std::set<const ov::Node*> first_quantized_layers(const ov::Model& model, const QuantizationPlan& plan) {
  std::set<const ov::Node*> weighted;
  for (const auto& layer : plan.layers)
    if (layer.quantized && layer.weight >= 0) weighted.insert(layer.op.get());
  std::set<const ov::Node*> first, seen;
  std::deque<const ov::Node*> queue;
  for (const auto& parameter : model.get_parameters()) queue.push_back(parameter.get());
  while (!queue.empty()) {
    const ov::Node* node = queue.front();
    queue.pop_front();
    if (!seen.insert(node).second) continue;
    if (weighted.count(node)) {  // stop here: what follows is not reached "first"
      first.insert(node);
      continue;
    }
    // A ShapeOf branch (dynamic batch: ShapeOf → Gather → Concat → Reshape) carries shapes, not
    // pixel values: the layers it reaches do not see the raw input and are not "first".
    if (reads_shape_only(*node)) continue;
    for (const auto& output : node->outputs())
      for (const auto& input : output.get_target_inputs()) queue.push_back(input.get_node());
  }
  return first;
}

}  // namespace torchvino::quant
