#pragma once
// `torchvino classify` and the inference-only `torchvino-classify`: the same arguments and code,
// built on the runtime library alone (no LibTorch), so both binaries behave identically.
#include <CLI/CLI.hpp>

namespace torchvino::cli {

// Registers classify's arguments and its callback on `command` (a subcommand, or a whole app).
void setup_classify(CLI::App* command);
// `torchvino classify`.
void add_classify_command(CLI::App& app);

}  // namespace torchvino::cli
