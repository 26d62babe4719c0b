#pragma once
// `torchvino bench`: timing of models (checkpoints, IRs, ONNX) per mode, batch and request
// count on random inputs, with the machine they ran on and a roofline column (achieved GOP/s
// against this CPU's peak for the precision). How the peak is derived: docs/benchmarking.md.
#include <openvino/core/model.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "torchvino/runtime.hpp"

namespace torchvino {

// The machine a result was measured on: what cpuid says (TORCHVINO_HIDE_ISA hides flags), the
// cores this process may use, and the library versions.
struct MachineInfo {
  std::string cpu_model;  // brand string, e.g. "AMD EPYC 9R45 ..."
  std::string vendor;     // GenuineIntel, AuthenticAMD
  int family = 0;         // display family and model (cpuid leaf 1)
  int model = 0;
  std::string microarchitecture;  // e.g. "Zen 5"; "unknown" when not in our table
  int logical_cpus = 0;           // in this process's affinity mask
  int physical_cores = 0;         // distinct cores among them (SMT siblings share FMA units)
  bool avx2 = false, fma = false, avx512f = false, avx512bw = false, avx512_vnni = false, avx_vnni = false,
       avx512_bf16 = false, amx_tile = false, amx_bf16 = false, amx_int8 = false;
  std::string openvino_version, libtorch_version;

  // "AVX2 FMA AVX-512F ..." for the flags that are set.
  std::string isa_list() const;
};
MachineInfo machine_info();
// The physical cores a run with `settings` keeps busy (threads 0: every usable one): what its
// peak is for.
inline int cores_in_use(const RunSettings& settings, const MachineInfo& machine) {
  return settings.threads > 0 ? std::min(settings.threads, machine.physical_cores) : machine.physical_cores;
}

// The core clock under load, in GHz: `threads` threads each run a chain of dependent integer
// register-to-register adds (one per cycle) for `seconds` of thread CPU time; the mean over threads. Nominal clocks
// are not trusted: boost and power limits move them.
double measure_clock_ghz(int threads, double seconds = 0.25);

// What one core can do per cycle at a precision, and why (vector units × width).
struct CorePeak {
  double macs_per_cycle = 0;  // multiply-accumulates per cycle per core
  std::string basis;          // e.g. "2×512-bit FMA (Zen 5): 32 f32 MAC/cycle"
};
// The compute precision of a mode: f32 for pytorch, fp32 and fp16 (FP16 weights, f32 compute),
// bf16, and int8.
ov::element::Type compute_precision(Mode mode);
CorePeak core_peak(const MachineInfo& machine, ov::element::Type precision);

// Peak GOP/s (2 ops per MAC) of `cores` cores at `ghz`.
inline double peak_gops(const CorePeak& peak, int cores, double ghz) {
  return 2.0 * peak.macs_per_cycle * cores * ghz;
}

// Multiply-accumulates of one run of `model` as shaped (static shapes): Convolution,
// GroupConvolution and MatMul (FullyConnected in the CPU plugin's graph). Throws when a
// counted layer has a dynamic shape.
double count_macs(const ov::Model& model);

// Latency statistics of inferences, in milliseconds.
struct LatencyStats {
  double min = 0, median = 0, mean = 0, p90 = 0, p99 = 0, max = 0;
};
// Statistics of `samples` (at least one), percentiles by nearest rank.
LatencyStats latency_stats(std::vector<double> samples);

struct BenchSettings {
  // Empty: each model's own modes — a checkpoint pytorch, fp32 and bf16 (where the CPU has it),
  // an IR or ONNX file fp32 and bf16, a quantized one int8.
  std::vector<Mode> modes;
  std::vector<int64_t> batches = {1};
  // threads (0: all cores), device, streams (unset: the plugin's choice for the hint), hint
  // (unset: throughput) and requests in flight (0: auto, 1 for the latency hint, else the plugin's
  // optimal number). The inference precision is each mode's.
  RunSettings run = {.hint = PerformanceHint::Throughput, .requests = 0};
  double seconds = 5;          // timed window per cell (ignored when iterations > 0)
  int64_t iterations = 0;      // > 0: exactly this many timed inferences per cell
  double warmup_seconds = 0.5; // per cell, not timed
  double clock_ghz = 0;        // > 0: the clock for the peak, given; 0: measured under load

  PerformanceHint hint() const { return run.hint.value_or(PerformanceHint::Throughput); }
};

// One cell of the sweep: one model, mode and batch.
struct BenchResult {
  std::string model;  // the file as given
  Mode mode = Mode::FP32;
  int64_t batch = 1;
  int requests = 1;            // in flight (1: synchronous)
  int streams = 0;             // the compiled model's streams; 0 for pytorch
  PerformanceHint hint = PerformanceHint::Throughput;
  int threads = 0;             // the compiled model's inference threads (LibTorch's for pytorch)
  std::string inference_precision;  // what OpenVINO was asked to compute in (f32, bf16)
  int64_t iterations = 0;      // timed inferences
  double seconds = 0;          // wall time of the timed inferences
  double throughput = 0;       // images/s
  LatencyStats latency;        // per inference (one batch), ms
  double macs_per_image = 0;
  double gops = 0;             // achieved: 2 × MACs × images/s
  double peak_gops = 0;        // this CPU's peak for the mode's compute precision
  double peak_share = 0;       // gops / peak_gops
  std::string peak_basis;
};

// Validates the settings (Error naming the field): no mode twice, batches non-empty, batches >= 1,
// requests >= 0, streams >= 1, threads >= 0, time > 0 or iterations > 0.
void check(const BenchSettings& settings);

// Runs every model × mode × batch on random inputs; the models are .pt checkpoints, IR .xml or
// .onnx files, all read and checked against the modes before anything is timed.
// A checkpoint runs pytorch in LibTorch and converts in memory for the OpenVINO modes; an IR or
// ONNX file runs the OpenVINO modes only. int8 needs a quantized model (FakeQuantize in the
// graph); a quantized model runs as int8 only. bf16 refuses on CPUs without bf16.
// `clock_ghz` and `machine` give the roofline column.
std::vector<BenchResult> run_bench(const std::vector<std::filesystem::path>& model_files,
                                   const BenchSettings& settings, const MachineInfo& machine, double clock_ghz,
                                   const std::function<void(const std::string&)>& log = {});

// The one table of a sweep, with the machine line above it.
std::string format_bench_table(const std::vector<BenchResult>& results);
// {"machine": {...}, "clock_ghz": ..., "settings": {...}, "results": [...]}.
std::string bench_to_json(const MachineInfo& machine, double clock_ghz, const BenchSettings& settings,
                          const std::vector<BenchResult>& results);
// One header line, then one line per result.
std::string bench_to_csv(const std::vector<BenchResult>& results);
// One self-contained HTML page: machine, settings, charts (throughput, speed-up over fp32, latency
// distribution) and the table.
std::string bench_to_html(const MachineInfo& machine, double clock_ghz, const BenchSettings& settings,
                          const std::vector<BenchResult>& results);

}  // namespace torchvino
