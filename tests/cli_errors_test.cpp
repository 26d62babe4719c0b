// Bad flags and bad input reach the user as one clear line and a non-zero exit.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "cli_runner.hpp"

namespace fs = std::filesystem;

namespace {
// `needle` names the flag or file together with the problem: the bare name alone would also be
// found in a usage text or in an echo of the command line.
void expect_failure_mentioning(const std::string& args, const std::string& needle) {
  const auto r = run_cli(args);
  EXPECT_NE(r.exit_code, 0) << args << "\n" << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << args << "\n" << r.output;
}
}  // namespace

TEST(CliErrors, EverySubcommandHasHelpWithItsUsageAndOwnFlags) {
  const std::vector<std::pair<std::string, std::string>> commands = {
      {"train", "--epochs"},    {"convert", "--precision"}, {"quantize", "--preset"},
      {"eval", "--mode"},       {"pipeline", "--modes"},    {"download", "dataset dir"},
      {"bench", "--hint"},      {"classify", "--labels"}};
  for (const auto& [cmd, own] : commands) {
    const auto r = run_cli(cmd + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.output.find(" " + cmd + " [OPTIONS]"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(own), std::string::npos) << r.output;
  }
}

TEST(CliErrors, BadFlagValuesNameTheFlagAndWhatIsWrong) {
  expect_failure_mentioning("eval --mode int9", "--mode: int9 not in {pytorch,fp32,bf16,fp16,int8}");
  expect_failure_mentioning("train --epochs -1", "--epochs: -1 must be at least 0");
  // Only train and eval take --weights.
  expect_failure_mentioning("convert --weights w.pt", "not expected: w.pt --weights");
  expect_failure_mentioning("train --dataset cifar99", "--dataset: cifar99 not in {");
  expect_failure_mentioning("pipeline --requests -2", "--requests: -2 must be at least 1");
  expect_failure_mentioning("convert --precision fp8", "--precision: fp8 not in {fp32,fp16}");
  expect_failure_mentioning("quantize --preset fastest",
                            "--preset: fastest not in {auto,performance,mixed}");
  expect_failure_mentioning("quantize --model-type vit", "--model-type: vit not in {auto,cnn,transformer}");
  expect_failure_mentioning("quantize --overflow-fix sometimes",
                            "--overflow-fix: sometimes not in {auto,first_layer,enable,disable}");
  expect_failure_mentioning("quantize --save-calibration calib.txt",
                            "--save-calibration: calib.txt must end in .npy");
  expect_failure_mentioning("quantize --bias-correction slow", "--bias-correction: slow not in {fast,full,none}");
  // The same limits as the YAML keys (option_limits.hpp), NaN included.
  expect_failure_mentioning("quantize --max-drop 1.0",
                            "--max-drop: 1 must be in [0, 1) (a top-1 fraction: 0.01 = 1 point)");
  expect_failure_mentioning("quantize --max-drop nan", "--max-drop: nan must be in [0, 1)");
  expect_failure_mentioning("quantize --subset-size 0", "--subset-size: 0 must be at least 1");
  expect_failure_mentioning("quantize --calibration-seed -1", "--calibration-seed: -1 must be at least 0");
  expect_failure_mentioning("pipeline --calibration-seed -3", "--calibration-seed: -3 must be at least 0");
  expect_failure_mentioning("pipeline --modes fp32,int9", "--modes: int9 not in {pytorch,fp32,bf16,fp16,int8}");
  // Refused before any data is loaded or any model trained, and before the output folder is made.
  const fs::path refused_out = fs::temp_directory_path() / ("torchvino-refused-" + std::to_string(::getpid())) / "x";
  expect_failure_mentioning("pipeline --modes fp32,fp32 --out " + refused_out.string(), "pipeline: mode fp32 is given twice");
  EXPECT_FALSE(fs::exists(refused_out.parent_path())) << "a refused run left " << refused_out.parent_path();
  // --batch is the inference batch everywhere; training has --train-batch.
  expect_failure_mentioning("train --batch 32", "not expected: 32 --batch");
  expect_failure_mentioning("eval --no-such-flag", "not expected: --no-such-flag");
  expect_failure_mentioning("", "A subcommand is required");
  expect_failure_mentioning("classify m.xml a.png --top 0", "--top: 0 must be at least 1");
  expect_failure_mentioning("classify m.xml a.png --hint fastest", "--hint: fastest not in {latency,throughput,none}");
  expect_failure_mentioning("classify m.xml", "images is required");
}

TEST(CliErrors, MissingInputsNameTheFileAndWhatIsWrong) {
  const auto dir = fresh_temp_dir("cli_missing");
  const std::string nowhere = (dir / "nowhere").string();
  expect_failure_mentioning("train --dataset mnist --data-dir " + nowhere,
                            "mnist data folder " + nowhere + " not found");
  const std::string none_pt = (dir / "none.pt").string();
  const std::string none_xml = (dir / "none.xml").string();
  expect_failure_mentioning("eval --mode pytorch --checkpoint " + none_pt,
                            none_pt + ": checkpoint not found");
  expect_failure_mentioning("eval --mode fp32 --ir " + none_xml,
                            none_xml + ": model file not found");
  expect_failure_mentioning("convert --checkpoint " + none_pt, none_pt + ": checkpoint not found");
  expect_failure_mentioning("quantize --input " + none_xml, none_xml + ": model file not found");
  expect_failure_mentioning("classify " + none_xml + " " + nowhere, nowhere + ": file or folder not found");
  expect_failure_mentioning("classify " + none_xml + " " + dir.string(), none_xml + ": model file not found");
  const std::string junk = (dir / "junk.pt").string();
  std::ofstream(junk) << "junk";
  expect_failure_mentioning("convert --checkpoint " + junk,
                            junk + ": not a torchvino checkpoint");
  // The flag is refused before the (unreadable) checkpoint is opened.
  expect_failure_mentioning("eval --mode pytorch --requests 3 --checkpoint " + junk,
                            "--requests applies to OpenVINO modes only");
  fs::remove_all(dir);
}

TEST(CliErrors, QuantizeRefusesToOverwriteItsInput) {
  const auto dir = fresh_temp_dir("cli_same_output");
  const std::string input = (dir / "model.xml").string();
  const std::string same = (dir / "." / "model.xml").string();
  // Refused before the (absent) input is read.
  expect_failure_mentioning("quantize --input " + input + " --output " + same,
                            "--output: " + same + " is the FP32 input; write the INT8 IR elsewhere");
  fs::remove_all(dir);
}

TEST(CliErrors, NonRegularFilesAreRefusedNotReadFrom) {
  // Opening a FIFO for reading blocks until a writer comes, which never happens here: without the
  // check these commands would hang, so each runs under a timeout (exit code 124).
  const auto dir = fresh_temp_dir("cli_fifo");
  const std::string fifo = (dir / "fifo.pt").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto expect_refused = [](const std::string& args, const std::string& needle) {
    const auto r = run_cli(args, /*timeout_seconds=*/20);
    EXPECT_NE(r.exit_code, 124) << "timed out: " << args;
    EXPECT_NE(r.exit_code, 0) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(needle), std::string::npos) << args << "\n" << r.output;
  };
  expect_refused("train --epochs 0 --out " + dir.string() + " --weights " + fifo,
                 fifo + ": not a regular file (a FIFO)");
  expect_refused("train --epochs 0 --out " + dir.string() + " --weights " + dir.string(),
                 dir.string() + ": not a regular file (a directory)");
  expect_refused("eval --mode pytorch --checkpoint " + fifo, fifo + ": not a regular file (a FIFO)");
  expect_refused("convert --checkpoint /dev/zero", "/dev/zero: not a regular file (a device)");

  // IDX data files.
  const auto mnist = dir / "mnist";
  fs::create_directories(mnist);
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    ASSERT_EQ(::mkfifo((mnist / name).c_str(), 0600), 0);
  }
  expect_refused("train --dataset mnist --epochs 1 --out " + dir.string() + " --data-dir " +
                     mnist.string(),
                 (mnist / "train-images-idx3-ubyte").string() + ": not a regular file (a FIFO)");
  fs::remove_all(dir);
}

TEST(CliErrors, DownloadFailsClearlyWithoutNetworkAndWritesNothing) {
  // No test may need the network; this one only checks that failure is clean. If the machine
  // happens to be online it downloads, which is also fine, so only the offline outcome is checked.
  const auto dir = fresh_temp_dir("cli_download");
  const auto r = run_cli("download mnist " + (dir / "mnist").string());
  if (r.exit_code == 0) GTEST_SKIP() << "online: the download succeeded";
  const std::string problem =
      "cannot download train-images-idx3-ubyte.gz into " + (dir / "mnist").string();
  EXPECT_NE(r.output.find(problem), std::string::npos) << r.output;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    EXPECT_FALSE(entry.is_regular_file()) << "left behind: " << entry.path();
  fs::remove_all(dir);
}

TEST(CliErrors, DivergingTrainingStopsWithAnErrorAndSavesNothing) {
  const fs::path data = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(data / "train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << data << " missing (Debian package dataset-fashion-mnist)";
  }
  const auto dir = fresh_temp_dir("cli_diverge");
  const auto r = run_cli("train --dataset fashion-mnist --data-dir " + data.string() +
                         " --lr 1e308 --epochs 1 --train-limit 192 --out " + dir.string());
  EXPECT_NE(r.exit_code, 0) << r.output;
  // The first step (Adam: about ±lr per weight) makes the second batch's loss nan or inf.
  EXPECT_NE(r.output.find("training diverged: loss is "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" at epoch 1, batch 2 (learning rate 1e+308"), std::string::npos)
      << r.output;
  for (const auto& entry : fs::recursive_directory_iterator(dir))  // the folder's lock file stays
    EXPECT_FALSE(entry.is_regular_file() && entry.path().filename() != ".torchvino.lock")
        << "left behind: " << entry.path();
  fs::remove_all(dir);
}

TEST(CliErrors, AHugeNumberInAFlagIsShortenedInTheMessage) {
  const std::string digits(300, '9');
  const auto r = run_cli("train --epochs " + digits);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--epochs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("…(300 characters)"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(std::string(41, '9')), std::string::npos) << r.output;
}

TEST(CliErrors, InputLimitFlagsRejectZero) {
  for (const std::string flag : {"--max-input-mb", "--max-image-pixels"}) {
    const auto r = run_cli("eval --mode pytorch " + flag + " 0");
    EXPECT_NE(r.exit_code, 0) << flag;
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag << ": " << r.output;
  }
}

TEST(CliErrors, ModelFilesThatAreNotRegularFilesAreRefused) {
  const auto dir = fresh_temp_dir("cli_ir_fifo");
  const std::string fifo = (dir / "m.xml").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto r = run_cli("eval --mode fp32 --ir " + fifo, 20);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(fifo + ": not a regular file (a FIFO)"), std::string::npos) << r.output;
  fs::create_directories(dir / "o.onnx");
  r = run_cli("convert --onnx " + (dir / "o.onnx").string() + " --out " + dir.string(), 20);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find((dir / "o.onnx").string() + ": not a regular file (a directory)"), std::string::npos)
      << r.output;
}
