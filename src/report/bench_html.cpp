// `torchvino bench --html`: the sweep as one self-contained page — machine, settings, the table,
// and charts of throughput, speed-up over fp32 and the latency distribution of every cell.
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <tuple>

#include "report/chart.hpp"
#include "report/html_page.hpp"
#include "torchvino/benchmark.hpp"

namespace torchvino {

namespace {

std::string cell_label(const BenchResult& r) {
  return fmt::format("{} {} b{}", std::filesystem::path(r.model).filename().string(), to_string(r.mode), r.batch);
}

}  // namespace

std::string bench_to_html(const MachineInfo& machine, double clock_ghz, const BenchSettings& s,
                          const std::vector<BenchResult>& results) {
  report::HtmlPage page("torchvino bench");
  page.paragraph(fmt::format("{} ({}, family {} model {}), {} logical CPUs / {} cores, {}; clock under load {:.2f} GHz "
                             "({}). OpenVINO {}, LibTorch {}.",
                             machine.cpu_model, machine.microarchitecture, machine.family, machine.model,
                             machine.logical_cpus, machine.physical_cores, machine.isa_list(), clock_ghz,
                             s.clock_ghz > 0 ? "given" : "measured", machine.openvino_version,
                             machine.libtorch_version));
  page.paragraph(fmt::format("Hint {}, requests {}, streams {}, threads {}, {} per cell after {} s of warm-up.",
                             to_string(s.hint()), s.run.requests == 0 ? std::string("auto") : std::to_string(s.run.requests),
                             s.run.streams ? std::to_string(*s.run.streams) : std::string("auto"),
                             s.run.threads > 0 ? std::to_string(s.run.threads) : std::string("all"),
                             s.iterations > 0 ? fmt::format("{} inferences", s.iterations)
                                              : fmt::format("{} s", s.seconds),
                             s.warmup_seconds));

  // fp32 of the same model and batch is what the other modes are compared with.
  std::map<std::tuple<std::string, int64_t>, double> fp32;
  for (const auto& r : results)
    if (r.mode == Mode::FP32) fp32[{r.model, r.batch}] = r.throughput;
  report::BarChart throughput{"Throughput (images/s)", {}, "{:.0f}"}, speedup{"Speed-up over fp32", {}, "{:.2f}×"};
  std::vector<report::Range> latency;
  for (const auto& r : results) {
    throughput.bars.push_back({cell_label(r), r.throughput});
    if (const auto it = fp32.find({r.model, r.batch}); it != fp32.end() && it->second > 0)
      speedup.bars.push_back({cell_label(r), r.throughput / it->second});
    const auto& l = r.latency;
    latency.push_back({cell_label(r), l.min, l.median, l.median, l.p90, l.p99});
  }
  std::vector<report::BarChart> charts = {throughput};
  if (!speedup.bars.empty()) charts.push_back(speedup);
  page.figure(report::bar_charts_svg(charts), "Throughput of every cell, and its speed-up over fp32 (same model and batch).");
  page.figure(report::ranges_svg("Latency per inference", "milliseconds", latency),
              "Line: min to p99; box: median to p90; mark: median.");

  std::vector<std::vector<std::string>> rows;
  for (const auto& r : results) {
    const auto& l = r.latency;
    const bool torch = r.mode == Mode::PyTorch;
    rows.push_back({r.model, to_string(r.mode), std::to_string(r.batch), torch ? "-" : std::to_string(r.requests),
                    torch ? "-" : std::to_string(r.streams), fmt::format("{:.1f}", r.throughput),
                    fmt::format("{:.3f}", l.median), fmt::format("{:.3f}", l.min), fmt::format("{:.3f}", l.mean),
                    fmt::format("{:.3f}", l.p90), fmt::format("{:.3f}", l.p99), fmt::format("{:.3f}", l.max),
                    fmt::format("{:.4f}", r.macs_per_image / 1e9), fmt::format("{:.1f}", r.gops),
                    fmt::format("{:.1f} %", 100 * r.peak_share)});
  }
  page.heading("Results");
  page.table({"model", "mode", "batch", "requests", "streams", "images/s", "median ms", "min", "mean", "p90", "p99",
              "max", "GMAC/image", "GOP/s", "% of peak"},
             rows);
  std::vector<std::string> bases;
  for (const auto& r : results)
    if (!r.peak_basis.empty()) bases.push_back(fmt::format("{}: {}", cell_label(r), r.peak_basis));
  if (!bases.empty()) {
    page.heading("Peak per core (how % of peak is derived: docs/benchmarking.md)");
    page.list(bases);
  }
  return page.str();
}

}  // namespace torchvino
