// `torchvino bench`: throughput and latency sweeps over models, modes and batch sizes, with the
// machine and a roofline column (see docs/benchmarking.md).
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "cli/bench_lists.hpp"
#include "cli/common.hpp"
#include "torchvino/benchmark.hpp"
#include "torchvino/error.hpp"
#include "util/atomic_file.hpp"

namespace torchvino::cli {

void add_bench_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> models;
    std::vector<Mode> modes;
    std::string batches = "1";
    std::string requests = "auto", streams = "auto";
    PerformanceHint hint = PerformanceHint::Throughput;
    BenchSettings settings;
    std::string json, csv, html;
  };
  auto flags = std::make_shared<Flags>();
  auto& s = flags->settings;
  auto* cmd = app.add_subcommand(
      "bench", "Throughput and latency of models (checkpoint .pt, IR .xml, .onnx) per mode and batch, on random "
               "inputs, with the machine and the share of the CPU's peak");
  cmd->add_option("MODEL", flags->models, "torchvino checkpoints (.pt), OpenVINO IR (.xml) or ONNX files")
      ->required()
      ->check(CLI::ExistingFile);
  add_choices(cmd, "--modes", flags->modes,
              "Modes, comma-separated: pytorch (LibTorch, checkpoints only), fp32, bf16 (f32 model computed in bf16; "
              "refused on CPUs without bf16), fp16 (FP16 weights, f32 compute: smaller, not faster), int8 "
              "(quantized models only)")
      ->default_str("per model: checkpoint pytorch,fp32,bf16; IR fp32,bf16; quantized IR int8 (bf16 where the CPU has it)");
  cmd->add_option("--batch", flags->batches, "Batch sizes, comma-separated (e.g. 1,8,96)")->capture_default_str();
  cmd->add_option("--requests", flags->requests,
                  "Infer requests in flight: N or auto (1 for the latency hint, else the plugin's optimal number); "
                  "1 runs synchronously")
      ->capture_default_str();
  cmd->add_option("--streams", flags->streams, "CPU streams: N or auto (the plugin's choice for the hint)")
      ->capture_default_str();
  add_choice(cmd, "--hint", flags->hint, "OpenVINO performance hint");
  cmd->add_option("--threads", s.run.threads, "Inference threads (0: all cores)")->check(CLI::NonNegativeNumber)->capture_default_str();
  auto* time = cmd->add_option("--time", s.seconds, "Seconds timed per cell, after the warm-up")
                   ->check(CLI::PositiveNumber)
                   ->capture_default_str();
  cmd->add_option("--iterations", s.iterations, "Timed inferences per cell, instead of --time")
      ->check(CLI::PositiveNumber)
      ->excludes(time);
  cmd->add_option("--warmup", s.warmup_seconds, "Seconds of untimed warm-up per cell")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--clock-ghz", s.clock_ghz,
                  "Core clock for the peak, in GHz (0: measured under load; a busy or SMT-shared CPU measures low)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--json", flags->json, "Also write machine, settings and results as JSON to this file");
  cmd->add_option("--csv", flags->csv, "Also write the results as CSV to this file");
  cmd->add_option("--html", flags->html, "Also write a page with the table and charts to this file");
  cmd->callback([flags] {
    auto settings = flags->settings;
    settings.modes = flags->modes;
    settings.batches = parse_batch_list(flags->batches, "--batch");
    settings.run.hint = flags->hint;
    settings.run.requests = parse_count_or_auto(flags->requests, "--requests");
    if (const int streams = parse_count_or_auto(flags->streams, "--streams")) settings.run.streams = streams;
    check(settings);
    CommonOptions common;
    common.threads = settings.run.threads;
    start_runtime(common);  // LibTorch's threads, for the pytorch mode

    const MachineInfo machine = machine_info();
    const int cores = cores_in_use(settings.run, machine);
    const double ghz = settings.clock_ghz > 0 ? settings.clock_ghz : measure_clock_ghz(cores);
    log_line(fmt::format("machine: {} ({}, family {:#x} model {:#x}), {} cores / {} logical CPUs usable, {:.2f} GHz {}",
                         machine.cpu_model, machine.microarchitecture, machine.family, machine.model,
                         machine.physical_cores, machine.logical_cpus, ghz,
                         settings.clock_ghz > 0 ? "(given)" : "under load"));
    log_line("isa: " + machine.isa_list());
    log_line(fmt::format("versions: OpenVINO {}, LibTorch {}", machine.openvino_version, machine.libtorch_version));
    std::vector<std::filesystem::path> files(flags->models.begin(), flags->models.end());
    const auto results = run_bench(files, settings, machine, ghz, log_line);
    std::cout << "\n" << format_bench_table(results);
    std::cout << "latency: ms per inference (one batch); GOP/s = 2 × MACs × images/s; %peak of:\n";
    std::vector<std::string> bases;
    for (const auto& r : results) {
      const std::string line = fmt::format("  {}: {:.0f} GOP/s = {}", to_string(r.mode), r.peak_gops, r.peak_basis);
      if (std::find(bases.begin(), bases.end(), line) == bases.end()) bases.push_back(line);
    }
    for (const auto& line : bases) std::cout << line << "\n";
    std::cout << std::flush;
    if (!flags->json.empty()) write_text_atomically(flags->json, bench_to_json(machine, ghz, settings, results));
    if (!flags->csv.empty()) write_text_atomically(flags->csv, bench_to_csv(results));
    if (!flags->html.empty()) write_text_atomically(flags->html, bench_to_html(machine, ghz, settings, results));
  });
}

}  // namespace torchvino::cli
