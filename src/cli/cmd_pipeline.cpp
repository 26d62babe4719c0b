#include <fmt/format.h>

#include <iostream>

#include "cli/common.hpp"
#include "torchvino/error.hpp"
#include "torchvino/pipeline.hpp"
#include "torchvino/report.hpp"

namespace torchvino::cli {

void add_pipeline_command(CLI::App& app) {
  auto flags = std::make_shared<CommandFlags<PipelineOptions>>();
  auto& p = flags->options;
  auto* cmd = app.add_subcommand(
      "pipeline", "train (or reuse) → convert → quantize → eval every mode; writes report.{json,md,svg}");
  add_common_options(cmd, flags->common);
  cmd->add_option("--epochs", p.train.epochs, "Training epochs")->check(CLI::PositiveNumber)->capture_default_str();
  add_training_options(cmd, p.train);
  add_checkpoint_option(cmd, flags->common, "Checkpoint to reuse or write");
  add_wait_option(cmd, flags->common);
  cmd->add_flag("--retrain", p.retrain, "Train even if the checkpoint exists");
  cmd->add_option("--subset-size", p.quantize.subset_size, "Calibration images")
      ->check(within(kSubsetSize))
      ->capture_default_str();
  cmd->add_option("--calibration-seed", p.quantize.calibration_seed,
                  "Seed of the draw of calibration images across the training set")
      ->check(within(kCalibrationSeed))
      ->capture_default_str();
  add_choice(cmd, "--preset", p.quantize.preset, "Quantization preset");
  add_choice(cmd, "--bias-correction", p.quantize.bias_correction, "Bias correction after quantization");
  cmd->add_option("--batch", p.eval.batch_size, "Evaluation batch size")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--requests", p.requests, "Asynchronous infer requests for OpenVINO modes")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--limit", p.eval.limit, "Evaluate only the first N test images (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  add_choices(cmd, "--modes", p.modes,
              "Modes to evaluate, comma-separated (bf16: the FP32 IR computed in bf16, on CPUs with bf16 only; "
              "fp16: FP16 weights, f32 compute — smaller, not faster; int8 is quantized only when asked)")
      ->default_str("pytorch,fp32,bf16 (where the CPU has it),fp16,int8");
  cmd->callback([flags, cmd] {
    auto o = flags->options;
    const auto& c = flags->common;
    const RuntimeContext runtime = start_runtime(c);
    if (cmd->count("--modes") == 0) o.modes = default_modes(runtime);
    check_pipeline_options(o, runtime);  // a refused run creates no output folder
    // Then, before any training: the folder is usable and no other run writes into it.
    FolderLock lock(c.out_dir(), "pipeline", c.wait, log_line);
    const auto next_version = stage_output(lock);
    o.spec = c.spec();
    o.data = c.data();
    o.train.on_batch = batch_progress_logger(o.train.epochs, o.train.batch_size);
    o.out = c.out_dir();
    o.checkpoint = c.checkpoint;
    if (next_version) o.staging = next_version->path();
    const PipelineReport report = run_pipeline(o, runtime, log_line);
    write_report(report, next_version ? next_version->path() : o.out);
    if (next_version) next_version->publish();  // checkpoint, IRs and reports appear together
    std::cout << "\n" << format_table(report) << std::flush;
    for (const auto& par : report.parity)
      std::cout << fmt::format("{:<6} vs {}: max |Δlogit| {:.3g} ({:.3g} of max |logit|), same argmax {:.3f}%\n",
                               to_string(par.mode), to_string(par.reference), par.max_abs_diff, par.max_abs_diff / std::max(par.max_abs_logit, 1e-12),
                               100 * par.argmax_agreement);
    log_line("pipeline: report in " + (o.out / "report.md").string() + " and " + (o.out / "report.html").string() + " (charts)");
  });
}

}  // namespace torchvino::cli
