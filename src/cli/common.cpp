#include "cli/common.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <iostream>
#include <memory>

namespace torchvino::cli {

ModelSpec CommonOptions::spec() const {
  const ModelInfo& m = model_info(model);
  const DatasetInfo& d = dataset_info(dataset);
  ModelSpec s;
  s.arch = model;
  s.in_channels = m.in_channels;
  s.num_classes = num_classes > 0 ? num_classes : d.num_classes > 0 ? d.num_classes : 10;
  s.image_size = image_size > 0 ? image_size : m.image_size_for(d.image_size);
  return s;
}

DatasetOptions CommonOptions::data() const {
  const ModelSpec s = spec();
  return dataset_for_input(dataset, data_dir, s.in_channels, s.image_size);
}

DatasetOptions CommonOptions::data_for(const ov::Model& model) const {
  return dataset_for_model(dataset, data_dir, model, data());
}

DatasetOptions dataset_for_model(const std::string& dataset, const std::string& data_dir,
                                 const ov::Model& model, const DatasetOptions& otherwise) {
  // An IR knows its input: C×H×W decides the preprocessing, whatever --model says.
  const auto shape = model.input().get_partial_shape();
  if (shape.rank().is_static() && shape.rank().get_length() == 4 && shape[1].is_static() &&
      shape[2].is_static() && shape[2] == shape[3])
    return dataset_for_input(dataset, data_dir, shape[1].get_length(), shape[2].get_length());
  return otherwise;
}

DatasetOptions dataset_for_input(const std::string& dataset, const std::string& data_dir,
                                 int64_t channels, int64_t image_size) {
  DatasetOptions d{dataset, data_dir};
  if (channels <= 0 || image_size <= 0) return d;  // unknown input: the dataset as it is
  d.preprocessing = preprocessing_for_input(dataset_info(dataset), channels, image_size);
  return d;
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
  command->add_option("--image-size", o.image_size,
                      "Model input size (0: 28 for convnet, 32 for resnets on 28/32-pixel "
                      "datasets, 224 for folder)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option_function<uint64_t>(
      "--max-input-mb", [&o](uint64_t mb) { o.limits.max_decompressed_bytes = mb << 20; },
      "Refuse compressed inputs that inflate to more than this (MB; default 1024)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30));
  command->add_option("--max-image-pixels", o.limits.max_image_pixels,
                      "Refuse images with more pixels than this (default 50 million)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  command->add_option("--num-classes", o.num_classes, "Classes of the model (0: the dataset's, 10)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

RuntimeContext start_runtime(const CommonOptions& options) {
  RuntimeContext runtime;
  runtime.threads = options.threads;
  configure_libtorch(runtime);
  set_input_limits(options.limits);
  return runtime;
}

CLI::Validator within(const Limit& limit) {
  return CLI::Validator(
      [limit](std::string& text) -> std::string {
        double value = 0;
        try {
          size_t used = 0;
          value = std::stod(text, &used);
          if (used != text.size()) return "'" + text + "' is not a number";
        } catch (const std::exception&) {
          return "'" + text + "' is not a number";
        }
        return limit.problem(value).value_or("");
      },
      "");
}

void add_wait_option(CLI::App* command, CommonOptions& o) {
  command->add_flag("--wait", o.wait,
                    "If another torchvino run is writing into the same output folder, wait for it "
                    "(default: fail at once, naming it)");
}

std::unique_ptr<FolderLock> lock_output(const CommonOptions& o, const std::filesystem::path& file,
                                        const std::string& command) {
  namespace fs = std::filesystem;
  const fs::path out = fs::absolute(o.out_dir()).lexically_normal();
  const fs::path target = fs::absolute(file).lexically_normal();
  const fs::path relative = target.lexically_relative(out);
  const bool inside_out = !relative.empty() && *relative.begin() != "..";
  return std::make_unique<FolderLock>(inside_out ? o.out_dir() : target.parent_path(), command, o.wait, log_line);
}

std::unique_ptr<StagedFolder> stage_output(FolderLock& lock) {
  if (const auto why = StagedFolder::why_not_staged(lock.dir())) {
    log_line("WARNING: " + lock.dir().string() + " is written file by file, not as one set: " + *why);
    return nullptr;
  }
  return std::make_unique<StagedFolder>(lock);
}

CLI::Option* add_checkpoint_option(CLI::App* command, CommonOptions& o, const std::string& meaning) {
  return command->add_option("--checkpoint", o.checkpoint, meaning + " (default: OUT/MODEL.pt)");
}

void add_training_options(CLI::App* command, TrainOptions& o) {
  command->add_option("--train-batch", o.batch_size, "Training batch size")->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--lr", o.learning_rate, "Adam learning rate (peak of a cosine decay)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--train-limit", o.limit, "Train on the first N training images only (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--seed", o.seed, "Random seed (initialisation and shuffling)")->capture_default_str();
}

void add_weights_options(CLI::App* command, CommonOptions& o) {
  command->add_option("--weights", o.weights, "PyTorch state dict (torch.save(model.state_dict()) in Python)");
  command->add_flag("--weights-non-strict", o.weights_non_strict,
                    "Skip --weights entries whose shape differs (e.g. fc for another class count)");
}

void log_line(const std::string& line) { std::cerr << line << std::endl; }

std::function<void(int, int64_t, int64_t, double)> batch_progress_logger(int epochs, int64_t batch_size,
                                                                         double seconds) {
  using clock = std::chrono::steady_clock;
  struct State {
    clock::time_point first_seen, last_line;
    int epoch = 0;
    int64_t first_batch = 0;
  };
  auto state = std::make_shared<State>();
  return [=](int epoch, int64_t batch, int64_t batches, double loss) {
    const auto now = clock::now();
    if (epoch != state->epoch) {  // the speed counts the batches after the first one seen
      *state = {now, now, epoch, batch};
      return;
    }
    if (batch == batches || std::chrono::duration<double>(now - state->last_line).count() < seconds) return;
    state->last_line = now;
    const double elapsed = std::chrono::duration<double>(now - state->first_seen).count();
    log_line(fmt::format("  epoch {}/{}  batch {}/{}  loss {:.4f}  {:.0f} images/s", epoch, epochs, batch, batches,
                         loss, double((batch - state->first_batch) * batch_size) / elapsed));
  };
}

}  // namespace torchvino::cli
