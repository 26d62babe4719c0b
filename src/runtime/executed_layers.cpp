#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "torchvino/runtime.hpp"

namespace torchvino {
namespace {

// The keys are the CPU plugin's developer API (ov::exec_model_info); spelled out so only the
// public headers are needed.
std::string info_string(const ov::Node& node, const char* key) {
  const auto& info = node.get_rt_info();
  auto it = info.find(key);
  return it == info.end() ? std::string() : it->second.as<std::string>();
}

bool is_compute_type(const std::string& type) {
  return type == "Convolution" || type == "GroupConvolution" || type == "FullyConnected" || type == "MatMul";
}

}  // namespace

std::vector<ExecutedLayer> executed_layers(const ov::CompiledModel& compiled, const ov::Model* source) {
  std::unordered_map<std::string, std::string> type_of;
  if (source)
    for (const auto& op : source->get_ops()) type_of.emplace(op->get_friendly_name(), op->get_type_name());
  std::vector<ExecutedLayer> layers;
  for (const auto& node : compiled.get_runtime_model()->get_ordered_ops()) {
    ExecutedLayer layer;
    layer.name = node->get_friendly_name();
    layer.layer_type = info_string(*node, "layerType");
    layer.runtime_precision = info_string(*node, "runtimePrecision");
    layer.original_names = info_string(*node, "originalLayersNames");
    // A Snippets Subgraph (e.g. a whole attention block: MatMul, Softmax, MatMul) reports one
    // precision for all it holds: the ops that make it worth INT8 are found by name in the source.
    if (layer.layer_type == "Subgraph" && !type_of.empty()) {
      std::stringstream names(layer.original_names);
      for (std::string name; std::getline(names, name, ',');) {
        auto it = type_of.find(name);
        if (it != type_of.end() && is_compute_type(it->second)) layer.fused_compute.push_back(name);
      }
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

bool is_compute_layer(const ExecutedLayer& l) { return is_compute_type(l.layer_type) || !l.fused_compute.empty(); }

std::string describe(const ExecutedLayer& l) {
  if (l.fused_compute.empty()) return l.name + " (" + l.layer_type + ")";
  std::string names;
  for (const auto& n : l.fused_compute) names += (names.empty() ? "" : ", ") + n;
  return l.name + " (" + l.layer_type + " with compute ops " + names + ")";
}

std::vector<ExecutedLayer> non_int8_layers(const std::vector<ExecutedLayer>& layers) {
  std::vector<ExecutedLayer> found;
  std::copy_if(layers.begin(), layers.end(), std::back_inserter(found), [](const ExecutedLayer& l) {
    return is_compute_layer(l) && l.runtime_precision != "u8" && l.runtime_precision != "i8";
  });
  return found;
}

std::vector<ExecutedLayer> non_bf16_layers(const std::vector<ExecutedLayer>& layers) {
  std::vector<ExecutedLayer> found;
  std::copy_if(layers.begin(), layers.end(), std::back_inserter(found),
               [](const ExecutedLayer& l) { return is_compute_layer(l) && l.runtime_precision != "bf16"; });
  return found;
}

std::vector<std::string> execution_warnings(Mode mode, const std::vector<ExecutedLayer>& layers) {
  std::vector<std::string> lines;
  const auto add = [&](const std::vector<ExecutedLayer>& found, const char* wanted) {
    for (const auto& l : found)
      lines.push_back("layer " + describe(l) + " executes in " + l.runtime_precision + ", not " + wanted);
  };
  if (mode == Mode::INT8) add(non_int8_layers(layers), "8-bit");
  if (mode == Mode::BF16) add(non_bf16_layers(layers), "bf16");
  return lines;
}

}  // namespace torchvino
