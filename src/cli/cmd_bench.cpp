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
  bind(cmd, opt::modes, flags->modes)
      ->default_str("per model: checkpoint pytorch,fp32,bf16; IR fp32,bf16; quantized IR int8 (bf16 where the CPU has it)");
  bind(cmd, opt::batches, flags->batches);
  bind(cmd, opt::bench_requests, flags->requests);
  bind(cmd, opt::bench_streams, flags->streams);
  bind(cmd, opt::hint, flags->hint);
  bind(cmd, opt::threads, s.run.threads);
  auto* time = bind(cmd, opt::seconds, s.seconds);
  bind(cmd, opt::iterations, s.iterations)->excludes(time);
  bind(cmd, opt::warmup_seconds, s.warmup_seconds);
  bind(cmd, opt::clock_ghz, s.clock_ghz);
  bind(cmd, opt::json_file, flags->json);
  bind(cmd, opt::csv_file, flags->csv);
  bind(cmd, opt::html_file, flags->html);
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
