// Runs interrupted or run side by side never lose a finished model or mix two versions.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "cli_runner.hpp"
#include "test_support.hpp"
#include "torchvino/models.hpp"
#include "util/output_folder.hpp"

extern char** environ;

namespace fs = std::filesystem;
using namespace test_support;

namespace {

// Starts the CLI in the background, its output in `log`.
pid_t spawn_cli(const std::string& args, const fs::path& log) {
  const std::string command = "exec " + std::string(TORCHVINO_CLI) + " " + args + " >" + log.string() + " 2>&1";
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  EXPECT_EQ(::posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
  return pid;
}

// Waits until `log` contains `text` (or the process ended), then kills the process with SIGKILL.
void kill_when_logged(pid_t pid, const fs::path& log, const std::string& text) {
  for (int i = 0; i < 600; ++i) {
    if (fs::exists(log) && read_bytes(log).find(text) != std::string::npos) break;
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

// Every regular file under `dir` with its size and a hash of its contents.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename() != ".torchvino.lock") {
      const std::string bytes = read_bytes(e.path());
      files[fs::relative(e.path(), dir).string()] =
          std::to_string(bytes.size()) + " bytes, hash " + std::to_string(std::hash<std::string>{}(bytes));
    }
  return files;
}

const std::string kTiny = " --train-limit 384 --limit 192 --subset-size 32 --threads 1 ";

}  // namespace

TEST(CliReliability, AnUnusableOutFolderIsRefusedBeforeTraining) {
  const auto dir = fresh_temp_dir("cli_out_file");
  write_string(dir / "plain", "x");
  const auto r = run_cli("pipeline --out " + (dir / "plain").string() + " --epochs 1" + kTiny);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find((dir / "plain").string() + ": the output folder is not a folder"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("epoch"), std::string::npos) << r.output;
}

TEST(CliReliability, TwoRunsIntoOneFolderDoNotShareIt) {
  const auto out = fresh_temp_dir("cli_locked") / "out";
  torchvino::FolderLock held(out, "pipeline", false);
  const std::vector<std::string> commands = {"train --epochs 0", "pipeline --epochs 1" + kTiny,
                                             "convert --checkpoint " + (out / "x.pt").string()};
  for (const std::string& command : commands) {
    const auto r = run_cli(command + " --out " + out.string());
    EXPECT_NE(r.exit_code, 0) << command;
    EXPECT_NE(r.output.find(out.string() + ": in use by torchvino pipeline (pid " + std::to_string(::getpid())),
              std::string::npos)
        << command << ": " << r.output;
  }
}

TEST(CliReliability, AKilledTrainingNeverReplacesTheFinishedModel) {
  const auto parent = fresh_temp_dir("cli_kill_train");
  const auto out = parent / "out";
  ASSERT_EQ(run_cli("train --epochs 1 --train-limit 192 --threads 1 --out " + out.string()).exit_code, 0);
  fs::create_directories(out / "fp32");
  write_string(out / "fp32" / "convnet.xml", "derived from the finished model");
  const auto before = snapshot(out);
  const pid_t pid = spawn_cli("train --epochs 3 --train-limit 6000 --threads 1 --seed 7 --out " + out.string(),
                              parent / "train.log");
  kill_when_logged(pid, parent / "train.log", "epoch 1/3");
  EXPECT_EQ(snapshot(out), before);
  // The next run removes the killed run's leftovers and publishes a model with no stale IR.
  ASSERT_EQ(run_cli("train --epochs 0 --seed 9 --out " + out.string()).exit_code, 0);
  for (const auto& e : fs::directory_iterator(parent))
    EXPECT_NE(e.path().filename().string().rfind(".torchvino-tmp-", 0), 0u) << e.path();
  EXPECT_FALSE(fs::exists(out / "fp32"));
  EXPECT_NE(snapshot(out).at("convnet.pt"), before.at("convnet.pt"));
}

TEST(CliReliability, AKilledPipelineLeavesTheWholeOldSet) {
  const auto parent = fresh_temp_dir("cli_kill_pipeline");
  const auto out = parent / "out";
  const std::string args = "pipeline --modes fp32,int8 --epochs 1" + kTiny + "--out " + out.string();
  ASSERT_EQ(run_cli(args).exit_code, 0);
  const auto before = snapshot(out);
  ASSERT_TRUE(before.count("report.json"));
  // Killed late, the run may already have published: then every file of the set is new.
  int old_sets = 0;
  for (const std::string moment : {"train: saved", "convert: wrote", "quantize: wrote", "eval: int8"}) {
    const pid_t pid = spawn_cli(args + " --retrain --seed 5", parent / "pipeline.log");
    kill_when_logged(pid, parent / "pipeline.log", moment);
    const auto after = snapshot(out);
    if (after == before) {
      ++old_sets;
      continue;
    }
    ASSERT_EQ(after.size(), before.size()) << "killed after '" << moment << "'";
    for (const char* file : {"convnet.pt", "fp32/convnet.bin", "int8/convnet.bin", "report.json"})
      EXPECT_NE(after.at(file), before.at(file)) << file << " is old in a new set, killed after '" << moment << "'";
    break;  // the folder holds the new set now
  }
  EXPECT_GE(old_sets, 2) << "the kills came too late to test anything";
  const auto r = run_cli("eval --mode int8 --limit 64 --out " + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// A kill at either moment of publishing an IR pair over an older one: the folder must hold one
// whole pair afterwards, the old one (killed between the renames) or the new one (after them).
TEST(CliReliability, AConvertKilledWhilePublishingLeavesOneWholePair) {
  const auto dir = fresh_temp_dir("cli_kill_publish");
  for (int seed : {1, 2})
    ASSERT_EQ(run_cli("train --epochs 0 --seed " + std::to_string(seed) + " --out " +
                      (dir / ("m" + std::to_string(seed))).string()).exit_code, 0);
  const fs::path xml = dir / "ir" / "convnet.xml", bin = dir / "ir" / "convnet.bin";
  const std::string convert_old = "convert --checkpoint " + (dir / "m1" / "convnet.pt").string() + " --output " + xml.string();
  const std::string convert_new = "convert --checkpoint " + (dir / "m2" / "convnet.pt").string() + " --output " + xml.string();
  ASSERT_EQ(run_cli(convert_new).exit_code, 0);
  const std::string new_xml = read_bytes(xml), new_bin = read_bytes(bin);
  ASSERT_EQ(run_cli(convert_old).exit_code, 0);
  const std::string old_xml = read_bytes(xml), old_bin = read_bytes(bin);
  ASSERT_NE(old_bin, new_bin);

  auto killed_at = [&](const char* moment) {
    ::setenv("TORCHVINO_FAULT", moment, 1);
    const auto r = run_cli(convert_new);
    ::unsetenv("TORCHVINO_FAULT");
    EXPECT_EQ(r.exit_code, 128 + SIGKILL) << moment << ": " << r.output;
  };
  auto leftovers = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(xml.parent_path()))
      n += e.path().filename().string().rfind(".torchvino-tmp-", 0) == 0;
    return n;
  };

  // Between the renames the new .bin sits next to the old .xml; reading settles it: the dead
  // writer's journal puts the old .bin back.
  killed_at("between-renames");
  EXPECT_EQ(read_bytes(bin), new_bin) << "the fault point was not reached";
  EXPECT_EQ(read_bytes(xml), old_xml);
  const auto r = run_cli("eval --mode fp32 --ir " + xml.string() + " --limit 32 --threads 1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_bytes(bin), old_bin);
  EXPECT_EQ(read_bytes(xml), old_xml);
  EXPECT_EQ(leftovers(), 0);

  // After the renames the new pair is whole: it stays, and the next write clears the leftovers.
  killed_at("after-renames");
  EXPECT_EQ(leftovers(), 1);
  EXPECT_EQ(read_bytes(bin), new_bin);
  EXPECT_EQ(read_bytes(xml), new_xml);
  ASSERT_EQ(run_cli("convert --checkpoint " + (dir / "m1" / "convnet.pt").string() + " --output " +
                    (dir / "ir" / "other.xml").string()).exit_code, 0);
  EXPECT_EQ(read_bytes(bin), new_bin);
  EXPECT_EQ(read_bytes(xml), new_xml);
  EXPECT_EQ(leftovers(), 0);
}

TEST(CliTrain, TheCheckpointRecordsTheDataItWasTrainedOn) {
  const auto out = fresh_temp_dir("cli_train_metadata") / "out";
  ASSERT_EQ(run_cli("train --epochs 1 --train-limit 96 --threads 1 --out " + out.string()).exit_code, 0);
  const torchvino::Model model = torchvino::load_checkpoint(out / "convnet.pt");
  EXPECT_EQ(model.metadata.dataset, "fashion-mnist");
  EXPECT_EQ(model.metadata.labels.size(), 10u);
  EXPECT_EQ(model.metadata.labels.at(9), "Ankle boot");
  ASSERT_EQ(model.metadata.mean.size(), 1u);
  EXPECT_FLOAT_EQ(model.metadata.mean[0], 0.2860f);
  EXPECT_FLOAT_EQ(model.metadata.std.at(0), 0.3530f);
}
