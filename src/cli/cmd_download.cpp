#include "cli/common.hpp"
#include "torchvino/error.hpp"

namespace torchvino::cli {

void add_download_command(CLI::App& app) {
  struct Flags {
    std::string dataset, dir;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("download", "Download a dataset (needs network access): download mnist DIR");
  cmd->add_option("dataset", flags->dataset, "Dataset to fetch")->required()->check(CLI::IsMember({"mnist"}));
  cmd->add_option("dir", flags->dir, "Folder to write the files to")->required();
  cmd->callback([flags] {
    download_mnist(flags->dir);
    log_line("download: MNIST is in " + flags->dir + " (use --dataset mnist --data-dir " + flags->dir + ")");
  });
}

}  // namespace torchvino::cli
