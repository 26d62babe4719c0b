#pragma once
// The `torchvino` command line as a whole: main() and the tests build the same app.
#include <CLI/CLI.hpp>

#include "cli/option_table.hpp"

namespace torchvino::cli {

// Every subcommand, registered on `app`.
void add_all_commands(CLI::App& app);

}  // namespace torchvino::cli
