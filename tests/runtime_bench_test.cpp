// The pieces of `torchvino bench`: sweep parsing, latency statistics, MAC counting, the peak
// table, the machine record, bf16 and its refusal, and a short real run on a tiny IR.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <openvino/openvino.hpp>
#include <openvino/opsets/opset8.hpp>

#include "test_support.hpp"
#include "torchvino/benchmark.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/models.hpp"

namespace tv = torchvino;
using nlohmann::json;

namespace {

using test_support::error_of;

// TORCHVINO_HIDE_ISA for one scope.
class HiddenIsa {
 public:
  explicit HiddenIsa(const char* list) { ::setenv("TORCHVINO_HIDE_ISA", list, 1); }
  ~HiddenIsa() { ::unsetenv("TORCHVINO_HIDE_ISA"); }
};

// Input 1×3×8×8 → 3×3 convolution to 4 channels (padding 1) → depthwise 3×3 → flatten → 256×10
// MatMul: 4·8·8·3·3·3 + 4·8·8·3·3 + 10·256 MACs per image.
constexpr double kTinyMacs = 4 * 8 * 8 * 27 + 4 * 8 * 8 * 9 + 10 * 256;

std::shared_ptr<ov::Model> tiny_model() {
  using namespace ov::opset8;
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 8, 8});
  input->output(0).set_names({"input"});
  std::vector<float> w1(4 * 3 * 3 * 3, 0.1f), w2(4 * 1 * 1 * 3 * 3, 0.2f), w3(256 * 10, 0.01f);
  auto conv = std::make_shared<Convolution>(input, Constant::create(ov::element::f32, {4, 3, 3, 3}, w1),
                                            ov::Strides{1, 1}, ov::CoordinateDiff{1, 1}, ov::CoordinateDiff{1, 1},
                                            ov::Strides{1, 1});
  auto depthwise = std::make_shared<GroupConvolution>(
      conv, Constant::create(ov::element::f32, {4, 1, 1, 3, 3}, w2), ov::Strides{1, 1}, ov::CoordinateDiff{1, 1},
      ov::CoordinateDiff{1, 1}, ov::Strides{1, 1});
  auto flat = std::make_shared<Reshape>(depthwise, Constant::create(ov::element::i64, {2}, {-1, 256}), true);
  auto fc = std::make_shared<MatMul>(flat, Constant::create(ov::element::f32, {256, 10}, w3));
  return std::make_shared<ov::Model>(ov::OutputVector{fc}, ov::ParameterVector{input}, "tiny");
}

std::filesystem::path save_tiny(const test_support::TempDir& dir) {
  const auto xml = dir / "tiny.xml";
  tv::save_ir(tiny_model(), xml);
  return xml;
}

tv::BenchSettings quick(std::vector<tv::Mode> modes, std::vector<int64_t> batches) {
  tv::BenchSettings s;
  s.modes = std::move(modes);
  s.batches = std::move(batches);
  s.iterations = 20;
  s.warmup_seconds = 0.05;
  s.run.threads = 1;
  return s;
}

}  // namespace

TEST(BenchSweeps, BadSettingsNameTheField) {
  auto s = quick({tv::Mode::FP32, tv::Mode::FP32}, {1});
  EXPECT_NE(error_of([&] { tv::check(s); }).find("mode fp32 is given twice"), std::string::npos);
  s = quick({tv::Mode::FP32}, {});
  EXPECT_NE(error_of([&] { tv::check(s); }).find("bench: batches must name at least one batch size"), std::string::npos);
  s = quick({tv::Mode::FP32}, {1});
  s.iterations = 0;
  s.seconds = 0;
  EXPECT_NE(error_of([&] { tv::check(s); }).find("time must be positive"), std::string::npos);
}

TEST(BenchStatistics, LatencyPercentilesByNearestRank) {
  std::vector<double> samples;
  for (int i = 100; i >= 1; --i) samples.push_back(i);  // unsorted on purpose
  const auto s = tv::latency_stats(samples);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 100);
  EXPECT_DOUBLE_EQ(s.median, 50.5);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
  EXPECT_EQ(s.p90, 90);
  EXPECT_EQ(s.p99, 99);
  const auto one = tv::latency_stats({2.5});
  EXPECT_EQ(one.p99, 2.5);
  EXPECT_EQ(one.median, 2.5);
  EXPECT_THROW(tv::latency_stats({}), tv::Error);
}

TEST(BenchRoofline, CountsConvolutionGroupConvolutionAndMatMulMacs) {
  auto model = tiny_model();
  EXPECT_THROW(tv::count_macs(*model), tv::Error) << "dynamic batch";
  model->reshape(ov::PartialShape{1, 3, 8, 8});
  EXPECT_DOUBLE_EQ(tv::count_macs(*model), kTinyMacs);
  model->reshape(ov::PartialShape{5, 3, 8, 8});
  EXPECT_DOUBLE_EQ(tv::count_macs(*model), 5 * kTinyMacs);
}

TEST(BenchRoofline, PeakPerCycleFollowsTheIsaAndMicroarchitecture) {
  tv::MachineInfo zen5;
  zen5.vendor = "AuthenticAMD";
  zen5.microarchitecture = "Zen 5";
  zen5.avx2 = zen5.fma = zen5.avx512f = zen5.avx512bw = zen5.avx512_vnni = zen5.avx512_bf16 = true;
  EXPECT_EQ(tv::core_peak(zen5, ov::element::f32).macs_per_cycle, 32);   // 2 × 16 lanes
  EXPECT_EQ(tv::core_peak(zen5, ov::element::bf16).macs_per_cycle, 64);  // VDPBF16PS: 2 per lane
  EXPECT_EQ(tv::core_peak(zen5, ov::element::i8).macs_per_cycle, 128);   // VPDPBUSD: 4 per lane
  // 2 cores at 3.9 GHz: the ~500 GFLOP/s and ~2,000 GOP/s measured with a probe (issue #11).
  EXPECT_NEAR(tv::peak_gops(tv::core_peak(zen5, ov::element::f32), 2, 3.9), 499.2, 1e-9);
  EXPECT_NEAR(tv::peak_gops(tv::core_peak(zen5, ov::element::i8), 2, 3.9), 1996.8, 1e-9);
  auto zen4 = zen5;
  zen4.microarchitecture = "Zen 4";  // 512-bit instructions as two 256-bit halves
  EXPECT_EQ(tv::core_peak(zen4, ov::element::f32).macs_per_cycle, 16);
  EXPECT_EQ(tv::core_peak(zen4, ov::element::i8).macs_per_cycle, 64);
  auto amx = zen5;
  amx.microarchitecture = "Intel with AMX (Sapphire Rapids or later)";
  amx.amx_tile = amx.amx_bf16 = amx.amx_int8 = true;
  EXPECT_EQ(tv::core_peak(amx, ov::element::bf16).macs_per_cycle, 512);
  EXPECT_EQ(tv::core_peak(amx, ov::element::i8).macs_per_cycle, 1024);
  tv::MachineInfo avx2;
  avx2.avx2 = avx2.fma = true;
  EXPECT_EQ(tv::core_peak(avx2, ov::element::f32).macs_per_cycle, 16);
  EXPECT_EQ(tv::core_peak(avx2, ov::element::bf16).macs_per_cycle, 0);
  EXPECT_NEAR(tv::core_peak(avx2, ov::element::i8).macs_per_cycle, 64.0 / 3, 1e-9);
  avx2.avx_vnni = true;
  EXPECT_EQ(tv::core_peak(avx2, ov::element::i8).macs_per_cycle, 64);
  EXPECT_EQ(tv::compute_precision(tv::Mode::FP16), ov::element::f32) << "fp16 is storage only";
  EXPECT_EQ(tv::compute_precision(tv::Mode::BF16), ov::element::bf16);
}

TEST(BenchMachine, RecordsCpuCoresIsaAndVersions) {
  const auto m = tv::machine_info();
  EXPECT_FALSE(m.cpu_model.empty());
  EXPECT_FALSE(m.vendor.empty());
  EXPECT_GE(m.physical_cores, 1);
  EXPECT_GE(m.logical_cpus, m.physical_cores);
  EXPECT_FALSE(m.openvino_version.empty());
  EXPECT_FALSE(m.libtorch_version.empty());
#if defined(__x86_64__)
  EXPECT_EQ(m.avx2, bool(__builtin_cpu_supports("avx2")));
  EXPECT_EQ(m.avx512f, bool(__builtin_cpu_supports("avx512f")));
  EXPECT_EQ(m.avx512_vnni, bool(__builtin_cpu_supports("avx512vnni")));
#endif
  {
    HiddenIsa hide("bf16,amx");
    const auto hidden = tv::machine_info();
    EXPECT_FALSE(hidden.avx512_bf16);
    EXPECT_FALSE(hidden.amx_bf16);
    EXPECT_FALSE(hidden.amx_int8);
    EXPECT_EQ(hidden.avx512f, m.avx512f);
  }
  const double ghz = tv::measure_clock_ghz(1, 0.1);
  std::cout << "  [clock] " << m.cpu_model << " (" << m.microarchitecture << "): " << ghz << " GHz under load\n";
#if defined(__x86_64__)
  EXPECT_GT(ghz, 0.5);
  EXPECT_LT(ghz, 7.0);
#endif
}

TEST(Bf16, RefusedWhenHiddenNeverSilentlyF32) {
  tv::RuntimeContext runtime;
  HiddenIsa hide("bf16");
  EXPECT_FALSE(tv::cpu_has_bf16(runtime));
  const auto error = error_of([&] { tv::runtime_for(tv::Mode::BF16, runtime); });
  EXPECT_NE(error.find("mode bf16 cannot run: bf16 is hidden by TORCHVINO_HIDE_ISA"), std::string::npos) << error;
  EXPECT_EQ(tv::runtime_for(tv::Mode::FP32, runtime).inference_precision, tv::InferencePrecision::F32);
  test_support::TempDir dir("bench_bf16");
  const auto xml = save_tiny(dir);
  const auto refused = error_of([&] {
    tv::run_bench({xml}, quick({tv::Mode::FP32, tv::Mode::BF16}, {1}), tv::machine_info(), 3.0);
  });
  EXPECT_NE(refused.find("mode bf16 cannot run"), std::string::npos) << refused;
}

TEST(Bf16, ComputesInBf16WhereTheCpuHasIt) {
  tv::RuntimeContext runtime;
  runtime.threads = 1;
  if (!tv::cpu_has_bf16(runtime)) GTEST_SKIP() << "this CPU has no bf16: " << *tv::bf16_unsupported_reason(runtime);
  auto model = tiny_model();
  model->reshape(ov::PartialShape{2, 3, 8, 8});
  const auto bf16 = tv::runtime_for(tv::Mode::BF16, runtime);
  EXPECT_EQ(bf16.inference_precision, tv::InferencePrecision::BF16);
  auto compiled = tv::compile_model(model, bf16);
  EXPECT_EQ(compiled.get_property(ov::hint::inference_precision), ov::element::bf16);
  const auto layers = tv::executed_layers(compiled);
  int compute = 0;
  for (const auto& l : layers) compute += tv::is_compute_layer(l);
  EXPECT_GE(compute, 2);
  EXPECT_LT(tv::non_bf16_layers(layers).size(), size_t(compute)) << "no compute layer executes in bf16";
}

TEST(BenchRun, ShortSweepOnATinyIrGivesRealNumbers) {
  test_support::TempDir dir("bench_run");
  const auto xml = save_tiny(dir);
  const auto machine = tv::machine_info();
  auto settings = quick({tv::Mode::FP32, tv::Mode::FP16}, {1, 4});
  settings.run.requests = 2;  // asynchronous
  const auto results = tv::run_bench({xml}, settings, machine, 3.0);
  ASSERT_EQ(results.size(), 4u);
  for (const auto& r : results) {
    SCOPED_TRACE(tv::to_string(r.mode) + " batch " + std::to_string(r.batch));
    EXPECT_EQ(r.requests, 2);
    EXPECT_GE(r.streams, 1);
    EXPECT_EQ(r.inference_precision, "f32");
    EXPECT_EQ(r.iterations, 20);
    EXPECT_GT(r.seconds, 0);
    EXPECT_TRUE(std::isfinite(r.throughput) && r.throughput > 0);
    EXPECT_NEAR(r.throughput, r.iterations * r.batch / r.seconds, 1e-6 * r.throughput);
    EXPECT_GT(r.latency.min, 0);
    EXPECT_LE(r.latency.min, r.latency.median);
    EXPECT_LE(r.latency.median, r.latency.p90);
    EXPECT_LE(r.latency.p90, r.latency.p99);
    EXPECT_LE(r.latency.p99, r.latency.max);
    EXPECT_DOUBLE_EQ(r.macs_per_image, kTinyMacs);
    EXPECT_NEAR(r.gops, 2 * kTinyMacs * r.throughput / 1e9, 1e-9 * r.gops);
    EXPECT_GT(r.peak_gops, 0);
    EXPECT_GT(r.peak_share, 0);
    EXPECT_LT(r.peak_share, 1);
  }
  // Synchronous with one request; batch sizes in the order given.
  settings = quick({tv::Mode::FP32}, {3});
  settings.run.requests = 1;
  const auto sync = tv::run_bench({xml}, settings, machine, 3.0);
  ASSERT_EQ(sync.size(), 1u);
  EXPECT_EQ(sync[0].requests, 1);
  EXPECT_EQ(sync[0].batch, 3);

  const json j = json::parse(tv::bench_to_json(machine, 3.0, settings, results));
  EXPECT_EQ(j["machine"]["cpu_model"], machine.cpu_model);
  EXPECT_EQ(j["results"].size(), 4u);
  for (const auto& r : j["results"]) {
    EXPECT_TRUE(r["throughput"].is_number());
    EXPECT_TRUE(r["latency_ms"]["p99"].is_number());
    EXPECT_TRUE(r["gops"].is_number());
    EXPECT_TRUE(r["peak_share"].is_number());
  }
  const auto csv = tv::bench_to_csv(results);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);
  const auto table = tv::format_bench_table(results);
  EXPECT_NE(table.find("images/s"), std::string::npos);
  EXPECT_NE(table.find("tiny.xml"), std::string::npos);
}

TEST(BenchRun, ModesAModelCannotRunAreRefusedBeforeTiming) {
  test_support::TempDir dir("bench_modes");
  const auto xml = save_tiny(dir);
  const auto machine = tv::machine_info();
  auto err = error_of([&] { tv::run_bench({xml}, quick({tv::Mode::INT8}, {1}), machine, 3.0); });
  EXPECT_NE(err.find("mode int8 needs a quantized model"), std::string::npos) << err;
  err = error_of([&] { tv::run_bench({xml}, quick({tv::Mode::PyTorch}, {1}), machine, 3.0); });
  EXPECT_NE(err.find("mode pytorch needs a torchvino checkpoint"), std::string::npos) << err;
}

TEST(BenchRun, CheckpointRunsInLibTorchAndConvertedInMemory) {
  test_support::TempDir dir("bench_pt");
  tv::ModelSpec spec;  // convnet, 1×28×28, 10 classes
  torch::manual_seed(0);
  const auto pt = dir / "convnet.pt";
  tv::save_checkpoint(tv::create_model(spec), pt);
  auto settings = quick({tv::Mode::PyTorch, tv::Mode::FP32}, {2});
  settings.iterations = 5;
  const auto results = tv::run_bench({pt}, settings, tv::machine_info(), 3.0);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].mode, tv::Mode::PyTorch);
  EXPECT_EQ(results[0].iterations, 5);
  EXPECT_GT(results[0].throughput, 0);
  // The same graph for both: the MACs come from the converted model.
  EXPECT_GT(results[0].macs_per_image, 0);
  EXPECT_DOUBLE_EQ(results[0].macs_per_image, results[1].macs_per_image);
}
