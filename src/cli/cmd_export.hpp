#pragma once
#include <CLI/CLI.hpp>

namespace torchvino::cli {

// `torchvino export --ovms DIR MODEL`: an OpenVINO Model Server repository (cmd_export.cpp).
void add_export_command(CLI::App& app);

}  // namespace torchvino::cli
