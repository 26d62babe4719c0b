#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>

#include "cli/common.hpp"
#include "torchvino/accuracy_control.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/quantize.hpp"
#include "torchvino/quantize_config.hpp"
#include "torchvino/runtime.hpp"
#include "util/npy.hpp"

namespace torchvino::cli {
namespace {

struct Flags {
  CommonOptions common;
  QuantizeOptions quantize;
  AccuracyControlOptions control;
  std::string config, input, output, save_calibration;
  int64_t validation_limit = 0;
  bool no_bias_correction = false;
  std::vector<std::string> ignore_names, ignore_types, ignore_patterns;
};

bool given(CLI::App* cmd, const std::string& name) { return cmd->get_option(name)->count() > 0; }

// The job: the config file (if any) with every flag given on the command line on top.
QuantizeConfig resolve(CLI::App* cmd, const Flags& f) {
  QuantizeConfig job;
  const bool from_file = !f.config.empty();
  if (from_file) job = load_quantize_config(f.config);
  const auto& c = f.common;
  if (!from_file || given(cmd, "--dataset")) job.dataset = c.dataset;
  if (!from_file || given(cmd, "--data-dir")) job.data_dir = c.data_dir;
  if (!f.input.empty())
    job.model = f.input;
  else if (!from_file)
    job.model = c.default_ir("fp32");
  if (!f.output.empty())
    job.output = f.output;
  else if (job.output.empty())
    job.output = c.default_ir("int8");
  if (!from_file || given(cmd, "--subset")) job.quantize.subset_size = f.quantize.subset_size;
  if (!from_file || given(cmd, "--preset")) job.quantize.preset = f.quantize.preset;
  if (!from_file || given(cmd, "--range-estimator")) job.quantize.range_estimator = f.quantize.range_estimator;
  if (f.no_bias_correction) job.quantize.fast_bias_correction = false;
  if (!from_file || given(cmd, "--overflow-fix")) job.quantize.overflow_fix = f.quantize.overflow_fix;
  if (given(cmd, "--ignore-name")) job.quantize.ignored_scope.names = f.ignore_names;
  if (given(cmd, "--ignore-type")) job.quantize.ignored_scope.types = f.ignore_types;
  if (given(cmd, "--ignore-regex")) job.quantize.ignored_scope.patterns = f.ignore_patterns;
  if (given(cmd, "--max-drop")) {
    job.algorithm = "AccuracyAwareQuantization";
    job.control.max_drop = f.control.max_drop;
  }
  if (given(cmd, "--ranking-subset")) job.control.ranking_subset = f.control.ranking_subset;
  if (given(cmd, "--max-iterations")) job.control.max_iterations = f.control.max_iterations;
  if (given(cmd, "--validation-limit")) job.validation_limit = f.validation_limit;
  job.quantize.threads = c.threads;
  return job;
}

std::string points(double fraction) { return fmt::format("{:.2f}", fraction * 100); }

}  // namespace

void add_quantize_command(CLI::App& app) {
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("quantize", "INT8 post-training quantization of an FP32 IR or ONNX model");
  add_common_options(cmd, flags->common);
  cmd->add_option("-c,--config", flags->config,
                  "POT-style YAML config (model, engine, compression); flags given here override it");
  cmd->add_option("--input", flags->input, "FP32 IR .xml or .onnx (default: OUT/fp32/MODEL.xml)");
  cmd->add_option("--output", flags->output, "INT8 IR .xml to write (default: OUT/int8/MODEL.xml)");
  cmd->add_option("--save-calibration", flags->save_calibration,
                  "Also write the calibration images as fed to the model (float32 NCHW .npy), e.g. for another tool");
  cmd->add_option("--subset", flags->quantize.subset_size, "Calibration images, from the training set")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--preset", flags->quantize.preset, "performance: symmetric; mixed: asymmetric activations")
      ->check(CLI::IsMember({"performance", "mixed"}))
      ->capture_default_str();
  cmd->add_option("--range-estimator", flags->quantize.range_estimator, "Activation range estimator")
      ->check(CLI::IsMember({"mean_minmax", "minmax", "quantile"}))
      ->capture_default_str();
  cmd->add_flag("--no-bias-correction", flags->no_bias_correction, "Skip fast bias correction");
  cmd->add_option("--overflow-fix", flags->quantize.overflow_fix,
                  "7-bit weights against int16 saturation on CPUs without VNNI; auto: first_layer with VNNI "
                  "(NNCF's default), enable (all layers) without")
      ->check(CLI::IsMember({"auto", "first_layer", "enable", "disable"}))
      ->capture_default_str();
  cmd->add_option("--ignore-name", flags->ignore_names, "Keep this op FP32 (friendly name; repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--ignore-type", flags->ignore_types, "Keep ops of this type FP32, e.g. MatMul (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--ignore-regex", flags->ignore_patterns,
                  "Keep ops whose name matches this regex (from the start) FP32 (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--max-drop", flags->control.max_drop,
                  "Accuracy-aware: return layers to FP32 until top-1 drops at most this much (fraction, 0.01 = 1 point)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--ranking-subset", flags->control.ranking_subset, "Accuracy-aware: items used to rank layers")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-iterations", flags->control.max_iterations,
                  "Accuracy-aware: layers returned to FP32 at most (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--validation-limit", flags->validation_limit,
                  "Accuracy-aware: validate on the first N test images only (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();

  cmd->callback([flags, cmd] {
    const QuantizeConfig job = resolve(cmd, *flags);
    if (job.output.extension() != ".xml") throw Error("--output: " + job.output.string() + " must end in .xml");
    if (!flags->save_calibration.empty() && std::filesystem::path(flags->save_calibration).extension() != ".npy")
      throw Error("--save-calibration: " + flags->save_calibration + " must end in .npy");
    auto model = read_model_file(job.model);
    DatasetOptions data = dataset_for_model(job.dataset, job.data_dir.string(), *model,
                                            DatasetOptions{job.dataset, job.data_dir});
    // Load only the calibration images: a full training set at 3×224×224 would not fit in memory.
    data.limit = job.quantize.subset_size;
    const Dataset calibration = load_dataset(data, Split::Train);
    if (!flags->save_calibration.empty()) {
      save_npy(calibration.images, flags->save_calibration);
      log_line(fmt::format("quantize: wrote the {} calibration images to {}", calibration.size(), flags->save_calibration));
    }
    data.limit = 0;
    auto opts = job.quantize;
    opts.on_progress = [](int64_t done, int64_t total) {
      if (done == total || done % 100 == 0) log_line(fmt::format("calibration {}/{}", done, total));
    };
    log_line(fmt::format("quantize: {} ({}) on {} calibration images, preset {}", job.model.string(), job.algorithm,
                         calibration.size(), opts.preset));

    QuantizeResult result;
    std::optional<AccuracyControlResult> control;
    if (job.accuracy_aware()) {
      if (job.validation_limit > 0) data.limit = job.validation_limit;
      const Dataset validation = load_dataset(data, Split::Test);
      auto c = job.control;
      c.on_progress = [](const std::string& stage, const std::string& message) {
        log_line(fmt::format("accuracy control [{}] {}", stage, message));
      };
      control = quantize_with_accuracy_control(model, calibration, validation, opts, c);
      result = control->quantized;
    } else {
      result = quantize(model, calibration, opts);
    }
    save_ir(result.model, job.output, Precision::FP32);

    int int8 = 0;
    for (const auto& l : result.layers) int8 += l.int8;
    log_line(fmt::format("quantize: {} of {} layers INT8, {:.1f}s; wrote {} ({:.1f} KB)", int8, result.layers.size(),
                         control ? control->seconds : result.seconds, job.output.string(),
                         model_size_bytes(job.output) / 1024.0));
    for (const auto& l : result.layers)
      if (!l.int8) log_line(fmt::format("  FP32: {} ({}): {}", l.name, l.type, l.reason));
    std::vector<std::string> seven_bit;
    for (const auto& l : result.layers)
      if (l.int8 && l.weight_bits == 7) seven_bit.push_back(l.name);
    log_line(fmt::format("  overflow fix {}: {}", result.overflow_fix,
                         seven_bit.empty() ? "all weights 8-bit"
                                           : fmt::format("7-bit weights in {}", fmt::join(seven_bit, ", "))));
    for (const auto& note : result.notes) log_line("NOTE: " + note);
    if (control)
      log_line(fmt::format("accuracy control: FP32 {}%, INT8 {}% → {}%; drop {} → {} points (max {}) on {} "
                           "validation images, {} layer(s) returned to FP32",
                           points(control->fp32_accuracy), points(control->initial_int8_accuracy),
                           points(control->final_int8_accuracy), points(control->initial_drop),
                           points(control->final_drop), points(job.control.max_drop), control->validation_images,
                           control->reverted.size()));
  });
}

}  // namespace torchvino::cli
