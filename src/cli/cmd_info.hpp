#pragma once
#include <CLI/CLI.hpp>

namespace torchvino::cli {

// `torchvino info MODEL`: the model's inputs, outputs and torchvino metadata (cmd_info.cpp).
void add_info_command(CLI::App& app);

}  // namespace torchvino::cli
