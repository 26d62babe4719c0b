// The whole chain on real Fashion-MNIST, through the command line, on a subset so it stays quick:
// train 1 epoch on 12k images → FP32/FP16 IR → INT8 → evaluate all four modes on 2000 images.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kFashionMnist = "/usr/share/datasets/fashion-mnist";

const json& find(const json& list, const std::string& mode) {
  for (const auto& r : list)
    if (r["mode"] == mode) return r;
  throw std::runtime_error("no entry for mode " + mode);
}

void check_records(const json& report, const CliResult& run) {
  for (const char* mode : {"pytorch", "fp32", "fp16", "int8"}) {
    const auto& r = find(report["records"], mode);
    EXPECT_EQ(r["images"], 2000) << mode;
    EXPECT_GT(r["throughput"].get<double>(), 0) << mode;
    EXPECT_GT(r["size_bytes"].get<double>(), 0) << mode;
    EXPECT_GT(r["loss"].get<double>(), 0) << mode;
  }
  // One epoch on 12k images already separates Fashion-MNIST well.
  EXPECT_GE(find(report["records"], "pytorch")["accuracy"].get<double>(), 0.80);
  EXPECT_NE(run.output.find("speed-up"), std::string::npos) << "no comparison table printed";
}

void check_parity(const json& report) {
  const auto& p = find(report["parity"], "fp32");
  EXPECT_LE(p["max_abs_diff"].get<double>(), 1e-4 * p["max_abs_logit"].get<double>());
  EXPECT_GE(p["argmax_agreement"].get<double>(), 0.999);
  EXPECT_GE(find(report["parity"], "fp16")["argmax_agreement"].get<double>(), 0.995);
}

// Where the CPU has bf16 the default modes include it: the FP32 IR computed in bf16, compared
// with FP32.
void check_bf16(const json& report) {
  bool has_bf16 = false;
  for (const auto& r : report["records"]) has_bf16 |= r["mode"] == "bf16";
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512bf16")) {
    EXPECT_TRUE(has_bf16) << "this CPU has AVX512-BF16";
  }
#endif
  if (!has_bf16) return;
  const auto& bf16 = find(report["records"], "bf16");
  const auto& fp32 = find(report["records"], "fp32");
  EXPECT_EQ(bf16["images"], 2000);
  EXPECT_NEAR(bf16["accuracy"].get<double>(), fp32["accuracy"].get<double>(), 0.005);
  bool compared = false;
  for (const auto& p : report["parity"]) {
    if (p["mode"] != "bf16" || p["reference"] != "fp32") continue;
    compared = true;
    EXPECT_GE(p["argmax_agreement"].get<double>(), 0.99);
  }
  EXPECT_TRUE(compared) << "no bf16 vs fp32 parity";
}

void check_int8(const json& report) {
  const auto& fp32 = find(report["records"], "fp32");
  const auto& int8 = find(report["records"], "int8");
  // 2000 images: one image is 0.05 points, so allow a little more than the 0.3 target that
  // the benchmark checks on the whole test set.
  EXPECT_GE(int8["accuracy"].get<double>(), fp32["accuracy"].get<double>() - 0.006);
  EXPECT_LE(int8["weights_bytes"].get<double>(), 0.30 * fp32["weights_bytes"].get<double>());
  const auto& layers = int8["executed_layers"];
  EXPECT_GE(layers.size(), 3u) << "expected 2 convolutions and 1 fully connected layer";
  for (const auto& l : layers) {
    const std::string precision = l["precision"];
    EXPECT_TRUE(precision == "u8" || precision == "i8") << l.dump();
  }
  EXPECT_TRUE(report["warnings"].empty()) << report["warnings"].dump();
}

}  // namespace

// One test, one pipeline run: ctest starts each test in its own process.
TEST(PipelineOnSubset, TrainConvertQuantizeEvaluateThenReuse) {
  if (!fs::exists(kFashionMnist)) GTEST_SKIP() << kFashionMnist << " missing (apt-get install dataset-fashion-mnist)";
  const auto dir = fresh_temp_dir("pipeline");
  const auto run = run_cli("pipeline --out " + dir.string() +
                           " --epochs 1 --train-limit 12000 --limit 2000 --subset-size 300 --threads 2");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const char* file : {"report.json", "report.md", "report.svg", "convnet.pt", "fp32/convnet.xml",
                           "fp32/convnet.bin", "fp16/convnet.xml", "int8/convnet.xml", "int8/convnet.bin"})
    EXPECT_TRUE(fs::exists(dir / file)) << file;
  std::ifstream in(dir / "report.json");
  const json report = json::parse(in);
  {
    SCOPED_TRACE("records");
    check_records(report, run);
  }
  {
    SCOPED_TRACE("parity");
    check_parity(report);
  }
  {
    SCOPED_TRACE("int8");
    check_int8(report);
  }
  {
    SCOPED_TRACE("bf16");
    check_bf16(report);
  }
  {
    SCOPED_TRACE("rerun reuses the checkpoint");
    const auto before = fs::last_write_time(dir / "convnet.pt");
    const auto again = run_cli("pipeline --out " + dir.string() +
                               " --limit 200 --subset-size 50 --modes pytorch,fp32 --threads 2");
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("reusing"), std::string::npos) << again.output;
    EXPECT_EQ(fs::last_write_time(dir / "convnet.pt"), before);
  }
  fs::remove_all(dir);
}
