#include "quantize/overflow_fix.hpp"

#include <deque>

#include "torchvino/error.hpp"

namespace torchvino::quant {

OverflowFix resolve_overflow_fix(const std::string& option, bool cpu_has_vnni) {
  if (option == "auto") return cpu_has_vnni ? OverflowFix::FirstLayer : OverflowFix::Enable;
  if (option == "first_layer") return OverflowFix::FirstLayer;
  if (option == "enable") return OverflowFix::Enable;
  if (option == "disable") return OverflowFix::Disable;
  throw Error("quantize: unknown overflow fix '" + option + "' (expected auto, first_layer, enable or disable)");
}

std::string to_string(OverflowFix fix) {
  switch (fix) {
    case OverflowFix::Disable: return "disable";
    case OverflowFix::FirstLayer: return "first_layer";
    case OverflowFix::Enable: return "enable";
  }
  return "?";
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
    for (const auto& output : node->outputs())
      for (const auto& input : output.get_target_inputs()) queue.push_back(input.get_node());
  }
  return first;
}

}  // namespace torchvino::quant
