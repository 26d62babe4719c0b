// A ResNet goes through the same chain as the ConvNet: Fashion-MNIST made 3×32×32, ResNet-18
// trained briefly, converted (residual Adds, strided downsample, global pooling), quantized and
// evaluated in every mode. Small on purpose: it checks the plumbing and the numbers that do not
// depend on training (parity, INT8 execution, weight size), not accuracy.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

TEST(PipelineOnResNet, ResNet18ThroughEveryMode) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist"))
    GTEST_SKIP() << "/usr/share/datasets/fashion-mnist missing (apt-get install dataset-fashion-mnist)";
  const auto dir = fresh_temp_dir("resnet");
  const auto run = run_cli("pipeline --model resnet18 --image-size 32 --out " + dir.string() +
                           " --epochs 1 --train-limit 192 --limit 192 --subset-size 32 --batch 64 --threads 2");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::ifstream in(dir / "report.json");
  const json report = json::parse(in);
  EXPECT_EQ(report["settings"]["model"], "resnet18");
  json fp32, int8;
  for (const auto& r : report["records"]) {
    EXPECT_EQ(r["images"], 192) << r["mode"];
    if (r["mode"] == "fp32") fp32 = r;
    if (r["mode"] == "int8") int8 = r;
  }
  for (const auto& p : report["parity"]) {
    if (p["mode"] != "fp32") continue;
    EXPECT_LE(p["max_abs_diff"].get<double>(), 1e-4 * p["max_abs_logit"].get<double>());
    EXPECT_GE(p["argmax_agreement"].get<double>(), 0.999);
  }
  ASSERT_FALSE(int8.is_null());
  EXPECT_LE(int8["weights_bytes"].get<double>(), 0.30 * fp32["weights_bytes"].get<double>());
  // 20 convolutions (incl. 3 downsample) + the classifier, every one with 8-bit inputs.
  EXPECT_EQ(int8["executed_layers"].size(), 21u);
  for (const auto& l : int8["executed_layers"]) {
    const std::string precision = l["precision"];
    EXPECT_TRUE(precision == "u8" || precision == "i8") << l.dump();
  }
  EXPECT_TRUE(report["warnings"].empty()) << report["warnings"].dump();

  // The stand-alone commands prepare the data from the IR's own input (3×32×32), not --model.
  const auto q = run_cli("quantize --input " + (dir / "fp32" / "resnet18.xml").string() + " --output " +
                         (dir / "q" / "resnet18.xml").string() + " --subset-size 16 --threads 2");
  ASSERT_EQ(q.exit_code, 0) << q.output;
  const auto e = run_cli("eval --mode int8 --ir " + (dir / "q" / "resnet18.xml").string() +
                         " --limit 64 --batch 32 --threads 2 --json " + (dir / "e.json").string());
  ASSERT_EQ(e.exit_code, 0) << e.output;
  std::ifstream ein(dir / "e.json");
  const json eval = json::parse(ein);
  EXPECT_EQ(eval["images"], 64);
  EXPECT_EQ(eval["executed_layers"].size(), 21u);
  fs::remove_all(dir);
}

// A ResNet exported from PyTorch as ONNX (tests/fixtures/make_convert_fixtures.py) takes the
// same CLI path as our own models: its IR's 3×32×32 input decides how Fashion-MNIST is prepared.
// Its weights are random, so accuracy is not checked; 8-bit execution of every layer is.
TEST(PipelineOnOnnxResNet, ConvertQuantizeEvalFromTheCommandLine) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist"))
    GTEST_SKIP() << "/usr/share/datasets/fashion-mnist missing";
  const auto dir = fresh_temp_dir("onnx_resnet");
  const auto onnx =
      fs::path(TORCHVINO_SOURCE_DIR) / "tests" / "fixtures" / "convert" / "resnet_small.onnx";
  const auto fp32 = dir / "fp32" / "m.xml", int8 = dir / "int8" / "m.xml";
  const auto c = run_cli("convert --onnx " + onnx.string() + " --output " + fp32.string());
  ASSERT_EQ(c.exit_code, 0) << c.output;
  ASSERT_TRUE(fs::exists(fp32.parent_path() / "m.bin")) << c.output;
  const auto q = run_cli("quantize --input " + fp32.string() + " --output " + int8.string() +
                         " --subset-size 64 --threads 2 --save-calibration " + (dir / "calib.npy").string());
  ASSERT_EQ(q.exit_code, 0) << q.output;
  // The calibration images as the model saw them: 64 of 3×32×32 float32, for another tool.
  const std::string npy = test_support::read_bytes(dir / "calib.npy");
  EXPECT_NE(npy.find("'shape': (64, 3, 32, 32)"), std::string::npos) << npy.substr(0, 128);
  ASSERT_GT(npy.size(), 10u);
  const size_t header = static_cast<unsigned char>(npy[8]) | static_cast<unsigned char>(npy[9]) << 8;
  EXPECT_EQ(npy.size(), 10 + header + size_t{64 * 3 * 32 * 32} * sizeof(float));
  EXPECT_NE(q.output.find("14 of 14 layers INT8"), std::string::npos) << q.output;
  const auto e = run_cli("eval --mode int8 --ir " + int8.string() +
                         " --limit 200 --threads 2 --json " + (dir / "e.json").string());
  ASSERT_EQ(e.exit_code, 0) << e.output;
  std::cout << e.output;
  EXPECT_EQ(e.output.find("WARNING"), std::string::npos) << e.output;
  std::ifstream in(dir / "e.json");
  const json eval = json::parse(in);
  EXPECT_EQ(eval["images"], 200);
  // 13 convolutions (stem, 4 in BasicBlocks, 6 in Bottlenecks, 2 downsample) + the classifier.
  ASSERT_EQ(eval["executed_layers"].size(), 14u) << eval.dump(2);
  for (const auto& l : eval["executed_layers"]) {
    const std::string precision = l["precision"];
    EXPECT_TRUE(precision == "u8" || precision == "i8") << l.dump();
  }
  fs::remove_all(dir);
}
