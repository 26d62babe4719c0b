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
  QuantizeJob job;  // the options a config key sets too, as the flags fill them
  std::string config, input, output, save_calibration;
};

void add_flags(CLI::App* cmd, Flags& f) {
  add_common_options(cmd, f.common);
  add_wait_option(cmd, f.common);
  add_evaluation_data_options(cmd, f.common);
  bind(cmd, opt::config, f.config);
  bind(cmd, opt::input, f.input);
  bind(cmd, opt::output, f.output);
  bind(cmd, opt::save_calibration, f.save_calibration);
  add_job_flags(cmd, f.job);
}

// Whether both paths name the same file (existing or not), after resolving ".", ".." and links.
bool same_path(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec_a, ec_b;
  const auto canonical_a = std::filesystem::weakly_canonical(a, ec_a);
  const auto canonical_b = std::filesystem::weakly_canonical(b, ec_b);
  return !ec_a && !ec_b && canonical_a == canonical_b;
}

// The job: the config file (if any) with every flag given on the command line on top.
QuantizeJob resolve(CLI::App* cmd, const Flags& f) {
  const bool from_file = !f.config.empty();
  QuantizeJob job = from_file ? load_quantize_job(f.config) : QuantizeJob{};
  const auto& c = f.common;
  // Without a file the dataset flags apply (given or default); with one, only when given.
  if (!from_file || given(cmd, opt::dataset)) job.dataset = c.dataset;
  if (!from_file || given(cmd, opt::data_dir)) job.data_dir = c.data_dir;
  if (!f.input.empty()) job.model = f.input;
  else if (!from_file) job.model = c.default_ir("fp32");
  if (!f.output.empty()) job.output = f.output;
  else if (job.output.empty()) job.output = c.default_ir("int8");
  apply_given_flags(cmd, f.job, job);
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
    log_line(fmt::format("  SmoothQuant alpha {}: {} linear layer(s) rescaled; {} pass(es) over the calibration images",
                         job.quantize.smooth_quant_alpha, result.smoothed_layers, result.calibration_passes));
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
  data.threads = flags.common.threads;
  data.ground_truth = flags.common.ground_truth;
  if (!flags.common.labels.empty()) data.classes = read_class_names(flags.common.labels);
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
  const auto validation = open_dataset(data, Split::Test);  // streamed on every validation
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
