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
  add_training_options(cmd, p.train);
  add_checkpoint_option(cmd, flags->common);
  add_wait_option(cmd, flags->common);
  bind(cmd, opt::retrain, p.retrain);
  bind(cmd, opt::subset_size, p.quantize.subset_size);
  bind(cmd, opt::calibration_seed, p.quantize.calibration_seed);
  bind(cmd, opt::preset, p.quantize.preset);
  bind(cmd, opt::model_type, p.quantize.model_type);
  bind(cmd, opt::range_estimator, p.quantize.range_estimator);
  bind(cmd, opt::bias_correction, p.quantize.bias_correction);
  bind(cmd, opt::batch_size, p.eval.batch_size);
  bind(cmd, opt::requests, p.requests);
  bind(cmd, opt::limit, p.eval.limit);
  bind(cmd, opt::modes, p.modes)->default_str("pytorch,fp32,bf16 (where the CPU has it),fp16,int8");
  cmd->callback([flags, cmd] {
    auto o = flags->options;
    const auto& c = flags->common;
    const RuntimeContext runtime = start_runtime(c);
    if (!given(cmd, opt::modes)) o.modes = default_modes(runtime);
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
                               to_string(par.mode), to_string(par.reference), par.max_abs_diff, par.relative_max_diff(),
                               100 * par.argmax_agreement);
    log_line("pipeline: report in " + (o.out / "report.md").string() + " and " + (o.out / "report.html").string() + " (charts)");
  });
}

}  // namespace torchvino::cli
