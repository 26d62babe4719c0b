#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>

#include "cli/common.hpp"
#include "cli/quantize_job.hpp"
#include "torchvino/accuracy_control.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/quantize.hpp"
#include "torchvino/runtime.hpp"
#include "util/npy.hpp"
#include "util/strings.hpp"

namespace torchvino::cli {
namespace {

struct Flags {
  CommonOptions common;
  QuantizeOptions quantize;
  AccuracyControlOptions control;
  std::string config, input, output, save_calibration;
  int64_t validation_limit = 0;
  std::vector<std::string> ignore_names, ignore_types, ignore_patterns;
};

void add_flags(CLI::App* cmd, Flags& f) {
  add_common_options(cmd, f.common);
  add_wait_option(cmd, f.common);
  cmd->add_option("-c,--config", f.config,
                  "POT-style YAML config (model, engine, compression); flags given here override it");
  cmd->add_option("--input", f.input, "FP32 IR .xml or .onnx (default: OUT/fp32/MODEL.xml)");
  cmd->add_option("--output", f.output, "INT8 IR .xml to write (default: OUT/int8/MODEL.xml)");
  cmd->add_option("--save-calibration", f.save_calibration,
                  "Also write the calibration images as fed to the model (float32 NCHW .npy), e.g. for another tool");
  cmd->add_option("--subset-size", f.quantize.subset_size, "Calibration images, from the training set")
      ->check(within(kSubsetSize))
      ->capture_default_str();
  cmd->add_option("--calibration-seed", f.quantize.calibration_seed,
                  "Seed of the draw of calibration images across the training set")
      ->check(within(kCalibrationSeed))
      ->capture_default_str();
  add_choice(cmd, "--preset", f.quantize.preset, "auto: performance for CNNs, mixed for transformers (NNCF's default); performance: symmetric "
             "activations; mixed: asymmetric activations");
  add_choice(cmd, "--model-type", f.quantize.model_type,
             "Placement scheme: cnn, or transformer (NNCF's rules: no quantizers on residual Adds, pooling, "
             "Softmax outputs; symmetric attention MatMuls); auto: transformer when the graph has attention or "
             "layer normalisation");
  cmd->add_option("--smooth-quant-alpha", f.quantize.smooth_quant_alpha,
                  "Transformers: SmoothQuant migration strength for linear layers (negative: off)")
      ->check(within(kSmoothQuantAlpha))
      ->capture_default_str();
  add_choice(cmd, "--range-estimator", f.quantize.range_estimator, "Activation range estimator");
  add_choice(cmd, "--bias-correction", f.quantize.bias_correction,
             "fast: from weight rounding alone; full: measure the quantized model layer by layer (slower); none");
  add_choice(cmd, "--overflow-fix", f.quantize.overflow_fix,
             "7-bit weights against int16 saturation on CPUs without VNNI; auto: first_layer with VNNI "
             "(NNCF's default), enable (all layers) without");
  cmd->add_option("--ignore-name", f.ignore_names, "Keep this op FP32 (friendly name; repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--ignore-type", f.ignore_types, "Keep ops of this type FP32, e.g. MatMul (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--ignore-regex", f.ignore_patterns,
                  "Keep ops whose name matches this regex (from the start) FP32 (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--max-drop", f.control.max_drop,
                  "Accuracy-aware: return quantizer groups to FP32 until top-1 drops at most this much (fraction, 0.01 = 1 point)")
      ->check(within(kMaxDrop));
  cmd->add_option("--ranking-subset", f.control.ranking_subset, "Accuracy-aware: items used to rank layers")
      ->check(within(kRankingSubset))
      ->capture_default_str();
  cmd->add_option("--max-iterations", f.control.max_iterations,
                  "Accuracy-aware: quantizer groups returned to FP32 at most (0: no limit)")
      ->check(within(kMaxIterations))
      ->capture_default_str();
  cmd->add_option("--validation-limit", f.validation_limit,
                  "Accuracy-aware: validate on the first N test images only (0: all)")
      ->check(within(kValidationLimit))
      ->capture_default_str();
}

// Whether both paths name the same file (existing or not), after resolving ".", ".." and links.
bool same_path(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec_a, ec_b;
  const auto canonical_a = std::filesystem::weakly_canonical(a, ec_a);
  const auto canonical_b = std::filesystem::weakly_canonical(b, ec_b);
  return !ec_a && !ec_b && canonical_a == canonical_b;
}

bool given(CLI::App* cmd, const std::string& name) { return cmd->get_option(name)->count() > 0; }

// The job: the config file (if any) with every flag given on the command line on top.
QuantizeJob resolve(CLI::App* cmd, const Flags& f) {
  QuantizeJob job;
  const bool from_file = !f.config.empty();
  if (from_file) job = load_quantize_job(f.config);
  const auto& c = f.common;
  // Without a file every flag applies (given or default); with one, only the flags given.
  auto flag = [&](const char* name) { return !from_file || given(cmd, name); };
  if (flag("--dataset")) job.dataset = c.dataset;
  if (flag("--data-dir")) job.data_dir = c.data_dir;
  if (!f.input.empty()) job.model = f.input;
  else if (!from_file) job.model = c.default_ir("fp32");
  if (!f.output.empty()) job.output = f.output;
  else if (job.output.empty()) job.output = c.default_ir("int8");
  auto& q = job.quantize;
  if (flag("--subset-size")) q.subset_size = f.quantize.subset_size;
  if (flag("--calibration-seed")) q.calibration_seed = f.quantize.calibration_seed;
  if (flag("--preset")) q.preset = f.quantize.preset;
  if (flag("--model-type")) q.model_type = f.quantize.model_type;
  if (flag("--smooth-quant-alpha")) q.smooth_quant_alpha = f.quantize.smooth_quant_alpha;
  if (flag("--range-estimator")) q.range_estimator = f.quantize.range_estimator;
  if (flag("--bias-correction")) q.bias_correction = f.quantize.bias_correction;
  if (flag("--overflow-fix")) q.overflow_fix = f.quantize.overflow_fix;
  if (given(cmd, "--ignore-name")) q.ignored_scope.names = f.ignore_names;
  if (given(cmd, "--ignore-type")) q.ignored_scope.types = f.ignore_types;
  if (given(cmd, "--ignore-regex")) q.ignored_scope.patterns = f.ignore_patterns;
  if (given(cmd, "--max-drop")) {
    job.algorithm = Algorithm::AccuracyAware;
    job.control.max_drop = f.control.max_drop;
  }
  if (given(cmd, "--ranking-subset")) job.control.ranking_subset = f.control.ranking_subset;
  if (given(cmd, "--max-iterations")) job.control.max_iterations = f.control.max_iterations;
  if (given(cmd, "--validation-limit")) job.validation_limit = f.validation_limit;
  return job;
}

void log_summary(const QuantizeJob& job, const QuantizeResult& result, double seconds) {
  int int8 = 0;
  for (const auto& l : result.layers) int8 += l.int8;
  log_line(fmt::format("quantize: {} of {} layers INT8, {:.1f}s; wrote {} ({:.1f} KB)", int8, result.layers.size(),
                       seconds, job.output.string(), model_size_bytes(job.output) / 1024.0));
  log_line(fmt::format("  model type {}{}, preset {}", to_string(result.model_type),
                       result.model_type_evidence.empty() ? "" : " (detected: " + result.model_type_evidence + ")",
                       to_string(result.preset)));
  if (result.smoothed_layers > 0)
    log_line(fmt::format("  SmoothQuant alpha {}: {} linear layer(s) rescaled", job.quantize.smooth_quant_alpha,
                         result.smoothed_layers));
  // Every op left in FP32, with why: never silently.
  for (const auto& l : result.layers)
    if (!l.int8) log_line(fmt::format("  FP32: {} ({}): {}", l.name, l.type, l.reason));
  for (const auto& op : result.fp32_ops) log_line(fmt::format("  FP32: {} ({}): {}", op.name, op.type, op.reason));
  std::vector<std::string> seven_bit;
  for (const auto& l : result.layers)
    if (l.int8 && l.weight_bits == 7) seven_bit.push_back(l.name);
  log_line(fmt::format("  overflow fix {}: {}", to_string(result.overflow_fix),
                       seven_bit.empty() ? "all weights 8-bit"
                                         : fmt::format("7-bit weights in {}", fmt::join(seven_bit, ", "))));
  int corrected = 0;
  for (const auto& l : result.layers) corrected += l.bias_corrected;
  if (job.quantize.bias_correction != BiasCorrection::None)
    log_line(fmt::format("  bias correction {}: {} bias(es) shifted", to_string(job.quantize.bias_correction),
                         corrected));
  for (const auto& note : result.notes) log_line("NOTE: " + note);
}

void log_control(const QuantizeJob& job, const AccuracyControlResult& c) {
  using util::points;
  log_line(fmt::format("accuracy control: FP32 {}%, INT8 {}% → {}%; drop {} → {} points (max {}) on {} "
                       "validation images, {} op(s) returned to FP32",
                       points(c.fp32_accuracy), points(c.initial_int8_accuracy), points(c.final_int8_accuracy),
                       points(c.initial_drop), points(c.final_drop), points(job.control.max_drop),
                       c.validation_images, c.reverted.size()));
}

void run(CLI::App* cmd, const Flags& flags) {
  const RuntimeContext runtime = start_runtime(flags.common);
  const QuantizeJob job = resolve(cmd, flags);
  if (job.output.extension() != ".xml") throw Error("--output: " + job.output.string() + " must end in .xml");
  if (same_path(job.output, job.model)) {
    throw Error("--output: " + job.output.string() + " is the FP32 input; write the INT8 IR elsewhere");
  }
  const auto lock = lock_output(flags.common, job.output, "quantize");
  if (!flags.save_calibration.empty() && std::filesystem::path(flags.save_calibration).extension() != ".npy")
    throw Error("--save-calibration: " + flags.save_calibration + " must end in .npy");
  auto model = read_model_file(job.model);
  DatasetOptions data =
      dataset_for_model(job.dataset, job.data_dir.string(), *model, DatasetOptions{job.dataset, job.data_dir},
                        flags.common.input);
  data.limits = flags.common.limits;
  // Load only the calibration images: a full training set at 3×224×224 would not fit in memory.
  data.limit = job.quantize.subset_size;
  data.shuffle_seed = static_cast<uint64_t>(job.quantize.calibration_seed);
  const Dataset calibration = load_dataset(data, Split::Train);
  data.shuffle_seed.reset();
  if (!flags.save_calibration.empty()) {
    save_npy(calibration.images, flags.save_calibration);
    log_line(fmt::format("quantize: wrote the {} calibration images to {}", calibration.size(), flags.save_calibration));
  }
  auto options = job.quantize;
  options.on_progress = [](const std::string& stage, int64_t done, int64_t total) {
    if (done == total || done % 100 == 0) log_line(fmt::format("{} {}/{}", stage, done, total));
  };
  log_line(fmt::format("quantize: {} ({}) on {} calibration images, preset {}", job.model.string(),
                       to_string(job.algorithm), calibration.size(), to_string(options.preset)));

  if (!job.accuracy_aware()) {
    const QuantizeResult result = quantize(model, calibration, options, runtime);
    save_ir(result.model, job.output, Precision::FP32);
    log_summary(job, result, result.seconds);
    return;
  }
  data.limit = job.validation_limit;
  const Dataset validation = load_dataset(data, Split::Test);
  auto control = job.control;
  control.on_progress = [](const std::string& stage, const std::string& message) {
    log_line(fmt::format("accuracy control [{}] {}", stage, message));
  };
  const auto result = quantize_with_accuracy_control(model, calibration, validation, options, control, runtime);
  save_ir(result.quantized.model, job.output, Precision::FP32);
  log_summary(job, result.quantized, result.seconds);
  log_control(job, result);
}

}  // namespace

void add_quantize_command(CLI::App& app) {
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("quantize", "INT8 post-training quantization of an FP32 IR or ONNX model");
  add_flags(cmd, *flags);
  cmd->callback([flags, cmd] { run(cmd, *flags); });
}

}  // namespace torchvino::cli
