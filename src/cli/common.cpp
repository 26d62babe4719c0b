#include "cli/common.hpp"

#include <torch/torch.h>

#include <iostream>

namespace torchvino::cli {

ModelSpec CommonOptions::spec() const {
  ModelSpec s;
  s.arch = model;
  s.in_channels = 1;
  s.num_classes = 10;
  s.image_size = 28;
  return s;
}

void add_common_options(CLI::App* command, CommonOptions& o) {
  command->add_option("--dataset", o.dataset, "Dataset name")
      ->check(CLI::IsMember(dataset_names()))
      ->capture_default_str();
  command->add_option("--data-dir", o.data_dir,
                      "Folder with the dataset's files (default: the dataset's usual place)");
  command->add_option("--threads", o.threads, "CPU threads for LibTorch and OpenVINO (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--out", o.out, "Folder for checkpoints, IR and reports")->capture_default_str();
  command->add_option("--model", o.model, "Model architecture")
      ->check(CLI::IsMember(model_names()))
      ->capture_default_str();
}

void log_line(const std::string& line) { std::cerr << line << std::endl; }

}  // namespace torchvino::cli
