#include "cli/common.hpp"
#include "torchvino/error.hpp"

namespace torchvino::cli {

void add_download_command(CLI::App& app) {
  struct Flags {
    std::string dataset, dir;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("download", "Download a dataset (needs network access): download mnist DIR");
  // The choices are the dataset table's rows that can be downloaded (data/registry.cpp).
  cmd->add_option("dataset", flags->dataset, "Dataset to fetch")
      ->required()
      ->check(CLI::IsMember(downloadable_dataset_names()));
  cmd->add_option("dir", flags->dir, "Folder to write the files to")->required();
  cmd->callback([flags] {
    dataset_info(flags->dataset).download(flags->dir);
    log_line("download: " + flags->dataset + " is in " + flags->dir + " (use --dataset " + flags->dataset +
             " --data-dir " + flags->dir + ")");
  });
}

}  // namespace torchvino::cli
