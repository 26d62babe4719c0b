#include "cli/cmd_info.hpp"

#include <fmt/format.h>

#include <iostream>
#include <openvino/core/meta_data.hpp>
#include <openvino/openvino.hpp>

#include "cli/common.hpp"
#include "torchvino/convert.hpp"

namespace torchvino::cli {

namespace {

// A nested rt_info section: an AnyMap in memory, an ov::Meta when read from an IR.
const ov::AnyMap* section(const ov::Any& value) {
  if (value.is<ov::AnyMap>()) return &value.as<ov::AnyMap>();
  if (value.is<std::shared_ptr<ov::Meta>>()) {
    ov::AnyMap& map = *value.as<std::shared_ptr<ov::Meta>>();
    return &map;
  }
  return nullptr;
}

// One "a.b.c: value" line per leaf, in key order.
void print_entries(const ov::AnyMap& map, const std::string& prefix) {
  for (const auto& [key, value] : map) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (const ov::AnyMap* nested = section(value)) print_entries(*nested, name);
    else std::cout << "  " << name << ": " << value.as<std::string>() << "\n";
  }
}

template <typename Ports>
void print_ports(const char* kind, const Ports& ports) {
  for (const auto& port : ports) {
    std::cout << fmt::format("{} {}: {} {}\n", kind, port.get_any_name(),
                             port.get_element_type().get_type_name(),
                             port.get_partial_shape().to_string());
  }
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto model_file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "info", "Inputs, outputs and the torchvino metadata (rt_info) of an IR or ONNX model");
  cmd->add_option("model", *model_file, "IR .xml or .onnx")->required()->check(CLI::ExistingFile);
  cmd->callback([model_file] {
    const auto model = read_model_file(*model_file);
    std::cout << *model_file << "\n";
    print_ports("input", model->inputs());
    print_ports("output", model->outputs());
    const auto& rt_info = model->get_rt_info();
    const auto it = rt_info.find("torchvino");
    const ov::AnyMap* metadata = it == rt_info.end() ? nullptr : section(it->second);
    if (!metadata || metadata->empty()) {
      std::cout << "no torchvino metadata (rt_info 'torchvino'): not written by torchvino's "
                   "quantize or export\n";
      return;
    }
    std::cout << "torchvino metadata:\n";
    print_entries(*metadata, "");
  });
}

}  // namespace torchvino::cli
