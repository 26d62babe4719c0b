#include <algorithm>

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

}  // namespace

std::vector<ExecutedLayer> executed_layers(const ov::CompiledModel& compiled) {
  std::vector<ExecutedLayer> layers;
  for (const auto& node : compiled.get_runtime_model()->get_ordered_ops()) {
    ExecutedLayer layer;
    layer.name = node->get_friendly_name();
    layer.layer_type = info_string(*node, "layerType");
    layer.runtime_precision = info_string(*node, "runtimePrecision");
    layer.original_names = info_string(*node, "originalLayersNames");
    layers.push_back(std::move(layer));
  }
  return layers;
}

bool is_compute_layer(const ExecutedLayer& l) {
  return l.layer_type == "Convolution" || l.layer_type == "GroupConvolution" || l.layer_type == "FullyConnected" ||
         l.layer_type == "MatMul";
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

}  // namespace torchvino
