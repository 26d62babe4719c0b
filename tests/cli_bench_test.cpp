// `torchvino bench` and bf16 through the command line: bad sweep values are one-line errors
// naming the flag, bf16 is refused when hidden, and a short real run prints the table and writes
// JSON and CSV with real numbers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <openvino/openvino.hpp>
#include <openvino/opsets/opset8.hpp>

#include "cli/bench_lists.hpp"
#include "cli_runner.hpp"
#include "test_support.hpp"
#include "torchvino/convert.hpp"

namespace fs = std::filesystem;
namespace cli = torchvino::cli;
using nlohmann::json;
using test_support::error_of;

namespace {

// 1×2×6×6 → 3×3 convolution to 3 channels → flatten → 108×4 MatMul.
fs::path tiny_ir(const test_support::TempDir& dir) {
  using namespace ov::opset8;
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::PartialShape{-1, 2, 6, 6});
  auto conv = std::make_shared<Convolution>(
      input, Constant::create(ov::element::f32, {3, 2, 3, 3}, std::vector<float>(54, 0.1f)), ov::Strides{1, 1},
      ov::CoordinateDiff{1, 1}, ov::CoordinateDiff{1, 1}, ov::Strides{1, 1});
  auto flat = std::make_shared<Reshape>(conv, Constant::create(ov::element::i64, {2}, {-1, 108}), true);
  auto fc = std::make_shared<MatMul>(flat, Constant::create(ov::element::f32, {108, 4}, std::vector<float>(432, 0.01f)));
  const auto xml = dir / "tiny.xml";
  torchvino::save_ir(std::make_shared<ov::Model>(ov::OutputVector{fc}, ov::ParameterVector{input}), xml);
  return xml;
}

void expect_failure_mentioning(const std::string& args, const std::string& needle) {
  const auto r = run_cli(args);
  EXPECT_NE(r.exit_code, 0) << args << "\n" << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << args << "\n" << r.output;
}

}  // namespace

TEST(BenchSweeps, ParsesCommaListsAndCounts) {
  EXPECT_EQ(cli::parse_batch_list("1,8,96", "--batch"), (std::vector<int64_t>{1, 8, 96}));
  EXPECT_EQ(cli::parse_batch_list("4", "--batch"), (std::vector<int64_t>{4}));
  EXPECT_EQ(cli::parse_count_or_auto("auto", "--requests"), 0);
  EXPECT_EQ(cli::parse_count_or_auto("3", "--requests"), 3);
}

TEST(BenchSweeps, BadValuesNameTheFlagAndTheValue) {
  EXPECT_NE(error_of([] { cli::parse_batch_list("0,x", "--batch"); }).find("--batch: '0' is not a positive integer"),
            std::string::npos);
  EXPECT_NE(error_of([] { cli::parse_batch_list("1,x", "--batch"); }).find("--batch: 'x'"), std::string::npos);
  EXPECT_NE(error_of([] { cli::parse_batch_list("1,,2", "--batch"); }).find("--batch: ''"), std::string::npos);
  EXPECT_NE(error_of([] { cli::parse_batch_list("8,", "--batch"); }).find("--batch"), std::string::npos);
  EXPECT_NE(error_of([] { cli::parse_batch_list("", "--batch"); }).find("--batch"), std::string::npos);
  EXPECT_NE(error_of([] { cli::parse_batch_list("2.5", "--batch"); }).find("'2.5'"), std::string::npos);
  EXPECT_NE(error_of([] { cli::parse_count_or_auto("0", "--streams"); }).find("--streams: '0'"), std::string::npos);
  EXPECT_NE(error_of([] { cli::parse_count_or_auto("many", "--requests"); }).find("--requests: 'many'"),
            std::string::npos);
}

TEST(CliBench, BadSweepValuesNameTheFlag) {
  test_support::TempDir dir("cli_bench_bad");
  const std::string ir = tiny_ir(dir).string();
  expect_failure_mentioning("bench " + ir + " --batch 0,x", "--batch: '0' is not a positive integer");
  expect_failure_mentioning("bench " + ir + " --batch 1,x", "--batch: 'x' is not a positive integer");
  expect_failure_mentioning("bench " + ir + " --modes foo", "--modes: foo not in {pytorch,fp32,bf16,fp16,int8}");
  expect_failure_mentioning("bench " + ir + " --modes fp32,fp32", "mode fp32 is given twice");
  expect_failure_mentioning("bench " + ir + " --requests x", "--requests: 'x' is neither a count");
  expect_failure_mentioning("bench " + ir + " --streams 0", "--streams: '0' is neither a count");
  expect_failure_mentioning("bench " + ir + " --hint fastest", "--hint: fastest not in {latency,throughput,none}");
  expect_failure_mentioning("bench " + ir + " --time 0", "--time: 0 must be greater than 0");
  expect_failure_mentioning("bench " + ir + " --time 1 --iterations 3", "--time excludes --iterations");
  expect_failure_mentioning("bench " + ir + " --modes int8", "mode int8 needs a quantized model");
  expect_failure_mentioning("bench " + ir + " --modes pytorch", "mode pytorch needs a torchvino checkpoint");
  expect_failure_mentioning("bench /nonexistent/model.xml", "/nonexistent/model.xml");
  expect_failure_mentioning("bench", "MODEL is required");
}

TEST(CliBench, Bf16IsRefusedWhenHidden) {
  test_support::TempDir dir("cli_bench_bf16");
  const std::string ir = tiny_ir(dir).string();
  ::setenv("TORCHVINO_HIDE_ISA", "bf16", 1);
  expect_failure_mentioning("bench " + ir + " --modes fp32,bf16 --iterations 2",
                            "mode bf16 cannot run: bf16 is hidden by TORCHVINO_HIDE_ISA");
  expect_failure_mentioning("eval --mode bf16 --ir " + ir, "mode bf16 cannot run");
  expect_failure_mentioning("pipeline --modes fp32,bf16 --out " + (dir / "p").string(), "mode bf16 cannot run");
  // Without bf16 the default modes leave it out instead of failing.
  const auto r = run_cli("bench " + ir + " --iterations 3 --warmup 0 --threads 1");
  ::unsetenv("TORCHVINO_HIDE_ISA");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find(" bf16 "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" fp32 "), std::string::npos) << r.output;
}

TEST(CliBench, ShortRunPrintsOneTableAndWritesJsonAndCsv) {
  test_support::TempDir dir("cli_bench_run");
  const std::string ir = tiny_ir(dir).string();
  const auto json_file = dir / "bench.json", csv_file = dir / "bench.csv";
  const auto r = run_cli("bench " + ir + " --modes fp32,fp16 --batch 1,4 --requests 2 --iterations 10 --warmup 0.05 "
                         "--threads 1 --json " + json_file.string() + " --csv " + csv_file.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("machine: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("isa: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("GHz under load"), std::string::npos) << r.output;
  // One table: one header, four rows.
  size_t headers = 0;
  for (size_t at = r.output.find("GMAC/img"); at != std::string::npos; at = r.output.find("GMAC/img", at + 1)) ++headers;
  EXPECT_EQ(headers, 1u) << r.output;
  std::ifstream in(json_file);
  const json j = json::parse(in);
  EXPECT_FALSE(j["machine"]["cpu_model"].get<std::string>().empty());
  EXPECT_GE(j["machine"]["physical_cores"].get<int>(), 1);
  EXPECT_TRUE(j["machine"]["isa"]["avx2"].is_boolean());
  EXPECT_FALSE(j["machine"]["openvino_version"].get<std::string>().empty());
  EXPECT_GT(j["clock_ghz_under_load"].get<double>(), 0);
  // A given clock replaces the measured one.
  const auto given = run_cli("bench " + ir + " --modes fp32 --iterations 3 --warmup 0 --clock-ghz 3.5");
  ASSERT_EQ(given.exit_code, 0) << given.output;
  EXPECT_NE(given.output.find("3.50 GHz (given)"), std::string::npos) << given.output;
  EXPECT_EQ(j["settings"]["iterations"], 10);
  ASSERT_EQ(j["results"].size(), 4u);
  for (const auto& res : j["results"]) {
    EXPECT_EQ(res["iterations"], 10);
    EXPECT_EQ(res["requests"], 2);
    EXPECT_GT(res["throughput"].get<double>(), 0);
    EXPECT_GT(res["latency_ms"]["median"].get<double>(), 0);
    EXPECT_EQ(res["macs_per_image"].get<double>(), 3 * 36 * 18 + 4 * 108);
    EXPECT_GT(res["peak_share"].get<double>(), 0);
  }
  std::ifstream csv(csv_file);
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("model,mode,batch,requests,streams", 0), 0u) << header;
  int rows = 0;
  for (std::string line; std::getline(csv, line);) ++rows;
  EXPECT_EQ(rows, 4);
}
