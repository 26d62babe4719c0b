// The results of `torchvino bench` as one table, JSON and CSV.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "torchvino/benchmark.hpp"

namespace torchvino {

using nlohmann::json;

namespace {

std::string csv_quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string requests_text(const BenchResult& r) { return r.mode == Mode::PyTorch ? "-" : std::to_string(r.requests); }
std::string streams_text(const BenchResult& r) { return r.mode == Mode::PyTorch ? "-" : std::to_string(r.streams); }

json machine_json(const MachineInfo& m) {
  return {{"cpu_model", m.cpu_model},
          {"vendor", m.vendor},
          {"family", m.family},
          {"model", m.model},
          {"microarchitecture", m.microarchitecture},
          {"logical_cpus", m.logical_cpus},
          {"physical_cores", m.physical_cores},
          {"isa",
           {{"avx2", m.avx2},
            {"fma", m.fma},
            {"avx512f", m.avx512f},
            {"avx512bw", m.avx512bw},
            {"avx512_vnni", m.avx512_vnni},
            {"avx_vnni", m.avx_vnni},
            {"avx512_bf16", m.avx512_bf16},
            {"amx_tile", m.amx_tile},
            {"amx_bf16", m.amx_bf16},
            {"amx_int8", m.amx_int8}}},
          {"openvino_version", m.openvino_version},
          {"libtorch_version", m.libtorch_version}};
}

json latency_json(const LatencyStats& l) {
  return {{"min", l.min}, {"median", l.median}, {"mean", l.mean}, {"p90", l.p90}, {"p99", l.p99}, {"max", l.max}};
}

}  // namespace

std::string format_bench_table(const std::vector<BenchResult>& results) {
  std::string out = fmt::format("{:<28} {:<7} {:>5} {:>4} {:>4} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>6}\n",
                                "model", "mode", "batch", "req", "str", "images/s", "median", "min", "mean", "p90",
                                "p99", "max ms", "GMAC/img", "GOP/s", "%peak");
  for (const auto& r : results) {
    std::string model = std::filesystem::path(r.model).filename().string();
    if (model.size() > 28) {
      model.resize(27);
      model += '~';
    }
    const auto& l = r.latency;
    out += fmt::format(
        "{:<28} {:<7} {:>5} {:>4} {:>4} {:>11.1f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.4f} {:>8.1f} {:>5.1f}%\n",
        model, to_string(r.mode), r.batch, requests_text(r), streams_text(r), r.throughput, l.median, l.min, l.mean,
        l.p90, l.p99, l.max, r.macs_per_image / 1e9, r.gops, 100 * r.peak_share);
  }
  return out;
}

std::string bench_to_json(const MachineInfo& machine, double clock_ghz, const BenchSettings& s,
                          const std::vector<BenchResult>& results) {
  json j;
  j["machine"] = machine_json(machine);
  j["clock_ghz_under_load"] = clock_ghz;
  j["clock_source"] = s.clock_ghz > 0 ? "given (clock_ghz)" : "measured (dependent-add probe)";
  json modes = json::array(), batches = json::array();
  for (const auto m : s.modes) modes.push_back(to_string(m));
  for (const auto b : s.batches) batches.push_back(b);
  j["settings"] = {{"modes", modes},
                   {"batches", batches},
                   {"requests", s.run.requests == 0 ? json("auto") : json(s.run.requests)},
                   {"streams", s.run.streams ? json(*s.run.streams) : json("auto")},
                   {"hint", to_string(s.hint())},
                   {"threads", s.run.threads},
                   {"seconds", s.iterations > 0 ? json(nullptr) : json(s.seconds)},
                   {"iterations", s.iterations > 0 ? json(s.iterations) : json(nullptr)},
                   {"warmup_seconds", s.warmup_seconds}};
  j["results"] = json::array();
  for (const auto& r : results)
    j["results"].push_back({{"model", r.model},
                            {"mode", to_string(r.mode)},
                            {"batch", r.batch},
                            {"requests", r.requests},
                            {"streams", r.streams},
                            {"hint", to_string(r.hint)},
                            {"threads", r.threads},
                            {"inference_precision", r.inference_precision},
                            {"iterations", r.iterations},
                            {"seconds", r.seconds},
                            {"throughput", r.throughput},
                            {"latency_ms", latency_json(r.latency)},
                            {"macs_per_image", r.macs_per_image},
                            {"gops", r.gops},
                            {"peak_gops", r.peak_gops},
                            {"peak_share", r.peak_share},
                            {"peak_basis", r.peak_basis}});
  return j.dump(2) + "\n";
}

std::string bench_to_csv(const std::vector<BenchResult>& results) {
  std::string out =
      "model,mode,batch,requests,streams,hint,threads,inference_precision,iterations,seconds,throughput,"
      "latency_min_ms,latency_median_ms,latency_mean_ms,latency_p90_ms,latency_p99_ms,latency_max_ms,"
      "macs_per_image,gops,peak_gops,peak_share\n";
  for (const auto& r : results) {
    const auto& l = r.latency;
    // Quoted: paths may hold commas.
    out += fmt::format("{},{},{},{},{},{},{},{},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g}\n",
                       csv_quoted(r.model), to_string(r.mode), r.batch, r.requests, r.streams, to_string(r.hint), r.threads,
                       r.inference_precision, r.iterations, r.seconds, r.throughput, l.min, l.median, l.mean, l.p90,
                       l.p99, l.max, r.macs_per_image, r.gops, r.peak_gops, r.peak_share);
  }
  return out;
}

}  // namespace torchvino
