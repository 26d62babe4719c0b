#include "cli/common.hpp"

#include "torchvino/error.hpp"
#include "torchvino/ir_metadata.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
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

DatasetOptions CommonOptions::data(const std::vector<float>& model_mean, const std::vector<float>& model_std) const {
  const ModelSpec s = spec();
  DatasetOptions d = dataset_for_input(dataset, data_dir, s.in_channels, s.image_size);
  d.preprocessing =
      apply_input_flags(*d.preprocessing, input, s.in_channels, s.image_size, InputSpec{.mean = model_mean, .std = model_std});
  d.limits = limits;
  d.threads = threads;
  d.ground_truth = ground_truth;
  if (!labels.empty()) d.classes = read_class_names(labels);
  return d;
}

namespace {

// N×C×H×W with static C and H = W: an input that decides the preprocessing itself.
bool static_square_input(const ov::Model& model) {
  const auto shape = model.input().get_partial_shape();
  return shape.rank().is_static() && shape.rank().get_length() == 4 && shape[1].is_static() && shape[2].is_static() &&
         shape[2] == shape[3];
}

}  // namespace

DatasetOptions CommonOptions::data_for(const ov::Model& model) const {
  // data() prepares for --model's spec and checks the input flags against it: only for an IR whose
  // input does not say (a 28×28 IR evaluated on --dataset folder must not be held to 224).
  const DatasetOptions otherwise = static_square_input(model) ? DatasetOptions{dataset, data_dir} : data();
  DatasetOptions d = dataset_for_model(dataset, data_dir, model, otherwise, input);
  d.limits = limits;
  d.threads = threads;
  d.ground_truth = ground_truth;
  if (!labels.empty()) d.classes = read_class_names(labels);
  return d;
}

DatasetOptions dataset_for_model(const std::string& dataset, const std::string& data_dir,
                                 const ov::Model& model, const DatasetOptions& otherwise, const InputFlags& flags) {
  // An IR knows its input: C×H×W decides the preprocessing, whatever --model says.
  const auto shape = model.input().get_partial_shape();
  if (!static_square_input(model)) {
    if (flags.given())
      throw Error("--mean/--std/--resize/--crop/--preprocess/--interpolation/--antialias: the model's input " + shape.to_string() +
                  " is not N×C×H×W with static C and H = W");
    return otherwise;
  }
  const int64_t channels = shape[1].get_length(), size = shape[2].get_length();
  DatasetOptions d = dataset_for_input(dataset, data_dir, channels, size);
  InputSpec spec = read_ir_metadata(model).input;
  if (spec.preprocessing_baked) spec = {};  // a baked model's preprocessing is inside its graph
  d.preprocessing = apply_input_flags(*d.preprocessing, flags, channels, size, spec);
  return d;
}

namespace {

// One value, or one per channel; a 3-channel statistic on a 1-channel input is its first value
// (colour converted to luma is normalised with the first channel's statistics).
std::vector<float> per_channel(const std::vector<float>& values, int64_t channels) {
  if (channels == 1 && values.size() == 3) return {values.front()};
  return values;
}

void check_values(const std::vector<float>& values, const char* flag, int64_t channels, bool is_std) {
  if (values.empty()) return;
  const bool count_ok = values.size() == 1 || static_cast<int64_t>(values.size()) == channels ||
                        (channels == 1 && values.size() == 3);
  if (!count_ok)
    throw Error(fmt::format("{}: {} values for a {}-channel input (give 1 or {})", flag, values.size(), channels,
                            channels));
  for (const float v : values) {
    const bool ok = is_std ? (v > 0 && v <= 1) : (v >= 0 && v <= 1);
    if (!ok)
      throw Error(fmt::format("{}: {} is not {} on the 0–1 scale of pixel/255{}", flag, v,
                              is_std ? "a standard deviation in (0, 1]" : "a mean in [0, 1]",
                              std::isfinite(v) && v > 1 ? fmt::format(" (a 0–255 value? divide by 255: {:.4g})", v / 255)
                                                        : ""));
  }
}

}  // namespace

Normalization flag_normalisation(const InputFlags& flags, int64_t channels) {
  Normalization n;
  if (flags.preset == InputPreset::ImageNet) n = imagenet_normalization();
  if (!flags.mean.empty()) n.mean = flags.mean;
  if (!flags.std.empty()) n.std = flags.std;
  check_values(n.mean, "--mean", channels, false);
  check_values(n.std, "--std", channels, true);
  n.mean = per_channel(n.mean, channels);
  n.std = per_channel(n.std, channels);
  return n;
}

Preprocessing apply_input_flags(Preprocessing p, const InputFlags& flags, int64_t channels, int64_t image_size,
                                const InputSpec& model) {
  if (!model.mean.empty() && !model.std.empty()) {
    p.mean = per_channel(model.mean, channels);
    p.std = per_channel(model.std, channels);
  }
  p.interpolation = flags.interpolation.value_or(model.interpolation.value_or(p.interpolation));
  p.antialias = flags.antialias ? *flags.antialias == OnOff::On : model.antialias.value_or(p.antialias);
  const Normalization n = flag_normalisation(flags, channels);
  if (!n.mean.empty()) p.mean = n.mean;
  if (!n.std.empty()) p.std = n.std;
  if (flags.preset == InputPreset::ImageNet) p.imagenet_geometry(image_size);
  if (flags.crop > 0 && flags.crop != image_size)
    throw Error(fmt::format("--crop {}: the model's input is {}×{}; the crop must be that size", flags.crop,
                            image_size, image_size));
  if (flags.resize > 0) {
    if (flags.resize < image_size)
      throw Error(fmt::format("--resize {}: smaller than the model's {}×{} input (the centre crop that follows "
                              "needs at least that)", flags.resize, image_size, image_size));
    p.resize = flags.resize;
    p.keep_aspect = true;
    p.crop = image_size;
  } else if (flags.crop > 0) {
    p.crop = image_size;  // the dataset's own resize, then this crop
    if (p.resize == 0 || !p.keep_aspect) {
      p.resize = image_size;
      p.keep_aspect = true;
    }
  }
  return p;
}

void add_input_options(CLI::App* command, InputFlags& f) {
  bind(command, opt::mean, f.mean);
  bind(command, opt::std_dev, f.std);
  bind(command, opt::resize, f.resize);
  bind(command, opt::crop, f.crop);
  bind(command, opt::preprocess, f.preset);
  bind(command, opt::interpolation, f.interpolation);
  bind(command, opt::antialias, f.antialias);
}

DatasetOptions dataset_for_input(const std::string& dataset, const std::string& data_dir,
                                 int64_t channels, int64_t image_size) {
  DatasetOptions d{dataset, data_dir};
  if (channels <= 0 || image_size <= 0) return d;  // unknown input: the dataset as it is
  d.preprocessing = preprocessing_for_input(dataset_info(dataset), channels, image_size);
  return d;
}

void add_common_options(CLI::App* command, CommonOptions& o) {
  // The names come from the dataset and zoo tables (data/registry.cpp, models/zoo.cpp).
  bind(command, opt::dataset, o.dataset)->check(CLI::IsMember(dataset_names()));
  bind(command, opt::data_dir, o.data_dir);
  bind(command, opt::threads, o.threads);
  bind(command, opt::out, o.out);
  bind(command, opt::model, o.model)->check(CLI::IsMember(model_names()));
  bind(command, opt::image_size, o.image_size);
  bind_converted<uint64_t>(command, opt::max_input_mb,
                           [&o](uint64_t mb) { o.limits.max_decompressed_bytes = mb << 20; });
  bind(command, opt::max_image_pixels, o.limits.max_image_pixels);
  add_input_options(command, o.input);
  bind(command, opt::num_classes, o.num_classes);
}

RuntimeContext start_runtime(const CommonOptions& options) {
  RuntimeContext runtime;
  runtime.threads = options.threads;
  configure_libtorch(runtime);
  return runtime;
}

void add_evaluation_data_options(CLI::App* command, CommonOptions& o) {
  bind(command, opt::ground_truth, o.ground_truth);
  bind(command, opt::labels, o.labels);
}

void add_wait_option(CLI::App* command, CommonOptions& o) { bind(command, opt::wait, o.wait); }

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

CLI::Option* add_checkpoint_option(CLI::App* command, CommonOptions& o) {
  return bind(command, opt::checkpoint, o.checkpoint);
}

void add_training_options(CLI::App* command, TrainOptions& o) {
  bind(command, opt::epochs, o.epochs);
  bind(command, opt::train_batch, o.batch_size);
  bind(command, opt::lr, o.learning_rate);
  bind(command, opt::train_limit, o.limit);
  bind(command, opt::seed, o.seed);
}

void add_weights_options(CLI::App* command, CommonOptions& o) {
  bind(command, opt::weights, o.weights);
  bind(command, opt::weights_non_strict, o.weights_non_strict);
}

void log_line(const std::string& line) { std::cerr << line << std::endl; }

std::function<void(int64_t, int64_t)> progress_logger(const std::string& what, double seconds) {
  using clock = std::chrono::steady_clock;
  struct State {
    clock::time_point start = clock::now(), last_line = clock::now();
  };
  auto state = std::make_shared<State>();
  return [=](int64_t done, int64_t all) {
    const auto now = clock::now();
    // Short runs print nothing: the result line follows at once.
    if (done == all || std::chrono::duration<double>(now - state->last_line).count() < seconds) return;
    state->last_line = now;
    const double elapsed = std::chrono::duration<double>(now - state->start).count();
    const double rate = elapsed > 0 ? double(done) / elapsed : 0.0;
    const auto eta = rate > 0 ? static_cast<int64_t>(double(all - done) / rate) : int64_t{0};
    log_line(fmt::format("  {} {}/{} images  {:.0f} images/s  ETA {}:{:02}", what, done, all, rate, eta / 60, eta % 60));
  };
}

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
