#include "cli/cmd_info.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <string>
#include <vector>
#include <openvino/openvino.hpp>

#include "cli/common.hpp"
#include "torchvino/convert.hpp"

namespace torchvino::cli {

namespace {

// rt_info sections read from an IR are not plain AnyMaps: only Model's path-based getters convert
// them, so the tree is walked by path.
bool is_section(const ov::Model& model, const std::vector<std::string>& path) {
  try {
    model.get_rt_info<ov::AnyMap>(path);
    return true;
  } catch (const ov::Exception&) {
    return false;
  }
}

// One "a.b.c: value" line per leaf under `path`, in key order.
void print_entries(const ov::Model& model, std::vector<std::string> path) {
  for (const auto& entry : model.get_rt_info<ov::AnyMap>(path)) {
    path.push_back(entry.first);
    if (is_section(model, path)) {
      print_entries(model, path);
    } else {
      const std::vector<std::string> name(path.begin() + 1, path.end());
      std::cout << "  " << fmt::format("{}", fmt::join(name, ".")) << ": "
                << model.get_rt_info<std::string>(path) << "\n";
    }
    path.pop_back();
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
    if (!model->has_rt_info("torchvino") || !is_section(*model, {"torchvino"}) ||
        model->get_rt_info<ov::AnyMap>(std::vector<std::string>{"torchvino"}).empty()) {
      std::cout << "no torchvino metadata (rt_info 'torchvino'): not written by torchvino's "
                   "quantize or export\n";
      return;
    }
    std::cout << "torchvino metadata:\n";
    print_entries(*model, {"torchvino"});
  });
}

}  // namespace torchvino::cli
