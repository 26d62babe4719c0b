#pragma once
#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <functional>
#include <openvino/core/model.hpp>
#include <string>

#include "cli/bind_option.hpp"
#include "torchvino/data.hpp"
#include "torchvino/ir_metadata.hpp"
#include "torchvino/models.hpp"
#include "torchvino/names.hpp"
#include "torchvino/output_layout.hpp"
#include "torchvino/runtime.hpp"
#include "torchvino/train.hpp"

#include "util/output_folder.hpp"

namespace torchvino::cli {

// --mean, --std, --resize, --crop, --preprocess: how images become a model's input, on top of what
// the model's metadata (torchvino.input.*) and the dataset say. Unset: 0 or empty.
struct InputFlags {
  std::vector<float> mean, std;  // on the 0–1 scale: x = (pixel/255 - mean) / std
  int64_t resize = 0;            // shorter side before the centre crop
  int64_t crop = 0;              // centre crop; must be the model's input size
  InputPreset preset = InputPreset::None;  // ImageNet: ImageNet mean/std, resize crop·256/224, crop
  std::optional<Interpolation> interpolation;  // unset: the model's, else bilinear
  std::optional<OnOff> antialias;              // unset: the model's, else on

  bool given() const {
    return !mean.empty() || !std.empty() || resize > 0 || crop > 0 || preset != InputPreset::None ||
           resampling_given();
  }
  bool resampling_given() const { return interpolation || antialias; }
  bool normalisation_given() const { return !mean.empty() || !std.empty() || preset != InputPreset::None; }
};

// `p` (the dataset's preprocessing for a channels×image_size×image_size input) with what the model
// says of its input (normalisation and resizing, from its metadata or checkpoint; empty or unset:
// unknown) and then the flags applied. Throws Error naming the flag for values that cannot be right: a count
// other than 1 or `channels`, a mean outside 0–1 or a std outside (0, 1] (0–255 values), a crop
// other than the input size, a resize below it.
Preprocessing apply_input_flags(Preprocessing p, const InputFlags& flags, int64_t channels, int64_t image_size,
                                const InputSpec& model = {});
// The normalisation the flags set (after --preprocess), for the metadata of a converted model.
Normalization flag_normalisation(const InputFlags& flags, int64_t channels);
void add_input_options(CLI::App* command, InputFlags& flags);

// Flags every subcommand shares.
struct CommonOptions {
  std::string dataset = "fashion-mnist";
  std::string data_dir;
  int threads = 0;
  std::string out = "torchvino-out";
  std::string model = "convnet";
  int image_size = 0;   // 0: 28 for convnet, 32 for resnets on 28/32-pixel datasets, 224 for folder
  int num_classes = 0;  // 0: from the dataset (10)
  std::string checkpoint;  // --checkpoint: empty means OUT/MODEL.pt
  std::string weights;  // PyTorch state dict (saved in Python) to start from
  bool weights_non_strict = false;
  bool wait = false;
  InputLimits limits;  // --max-input-mb, --max-image-pixels
  InputFlags input;    // --mean, --std, --resize, --crop, --preprocess
  std::string ground_truth;  // --ground-truth (eval, quantize)
  std::string labels;        // --labels (eval, quantize): the model's classes

  // The dataset, preprocessed to the model spec's channels and image size (and normalised as the
  // model was trained, when its checkpoint says so), with the input flags on top.
  DatasetOptions data(const std::vector<float>& model_mean = {}, const std::vector<float>& model_std = {}) const;
  // The dataset prepared for an OpenVINO model's own input shape (N×C×H×W) and metadata.
  DatasetOptions data_for(const ov::Model& model) const;
  ModelSpec spec() const;
  std::filesystem::path out_dir() const { return out; }
  OutputLayout layout() const { return {out_dir(), model}; }
  std::filesystem::path checkpoint_file() const {
    return checkpoint.empty() ? layout().checkpoint() : std::filesystem::path(checkpoint);
  }
  std::filesystem::path default_ir(const std::string& mode) const { return layout().ir(mode); }
};

// What a command's flags fill: the shared ones and the stage's options (kept alive, by a
// shared_ptr, for CLI11's callbacks).
template <class Options>
struct CommandFlags {
  CommonOptions common;
  Options options;
};

// --wait, for the commands that write (they lock their output folder).
void add_wait_option(CLI::App* command, CommonOptions& options);

// The lock a command writing `file` takes: on --out when the file is inside it (so that convert,
// quantize, train and pipeline into one folder exclude each other), else on the file's folder.
std::unique_ptr<FolderLock> lock_output(const CommonOptions& options, const std::filesystem::path& file,
                                        const std::string& command);

// A new version of the locked --out folder, published all at once (StagedFolder), or nothing when
// the folder cannot be staged: then files are written one by one, and the log says why.
std::unique_ptr<StagedFolder> stage_output(FolderLock& lock);

// `dataset` prepared for a model taking channels×image_size×image_size input.
DatasetOptions dataset_for_input(const std::string& dataset, const std::string& data_dir,
                                 int64_t channels, int64_t image_size);

// `dataset` prepared for an OpenVINO model's static C×H×W input, normalised as its metadata says
// (torchvino.input.mean/std), with `flags` on top; or `otherwise` for other inputs.
DatasetOptions dataset_for_model(const std::string& dataset, const std::string& data_dir,
                                 const ov::Model& model, const DatasetOptions& otherwise,
                                 const InputFlags& flags = {});

void add_common_options(CLI::App* command, CommonOptions& options);

// The runtime context of this run (from --threads), with LibTorch's threads set: called once, at
// the start of a command.
RuntimeContext start_runtime(const CommonOptions& options);

// --checkpoint.
CLI::Option* add_checkpoint_option(CLI::App* command, CommonOptions& options);
// --epochs, --train-batch, --lr, --train-limit, --seed: the training flags of `train` and `pipeline`.
void add_training_options(CLI::App* command, TrainOptions& options);
// --weights / --weights-non-strict, for the commands that start from a LibTorch model.
void add_weights_options(CLI::App* command, CommonOptions& options);

// Progress and results go to stderr/stdout line by line, flushed, so long runs show progress.
void log_line(const std::string& line);

// An on_progress(done, total) for long runs over images: a line on stderr at most every `seconds`,
// with the rate and the time left: "  eval 4096/50000 images  412 images/s  ETA 1:51".
std::function<void(int64_t, int64_t)> progress_logger(const std::string& what, double seconds = 5);

// --ground-truth and --labels, for the commands that evaluate on a dataset.
void add_evaluation_data_options(CLI::App* command, CommonOptions& o);

// A TrainOptions::on_batch that logs a line at most every `seconds` (and never for epochs shorter
// than that): "  epoch 1/2  batch 60/125  loss 0.5123  41 images/s".
std::function<void(int, int64_t, int64_t, double)> batch_progress_logger(int epochs, int64_t batch_size,
                                                                         double seconds = 30);

// Subcommands; each registers its flags and a callback that does the work.
void add_train_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_quantize_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_pipeline_command(CLI::App& app);
void add_download_command(CLI::App& app);
void add_bench_command(CLI::App& app);

}  // namespace torchvino::cli
