// Crash-safe outputs: atomic files, private temporaries, full disk, torn IR pairs, folder locks
// and output folders published all at once.
#include <gtest/gtest.h>
#include <openvino/core/model.hpp>
#include <openvino/opsets/opset8.hpp>
#include <openvino/runtime/core.hpp>
#include <openvino/core/graph_util.hpp>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "cli_runner.hpp"
#include "test_support.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "util/atomic_file.hpp"
#include "util/output_folder.hpp"

namespace fs = std::filesystem;
using namespace test_support;
using namespace torchvino;

namespace {

std::vector<std::string> temporaries_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(".torchvino-tmp-", 0) == 0) names.push_back(name);
  }
  return names;
}

// A pid that certainly belongs to no process any more.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

// y = x · W with `n`×`n` weights of value `w`: an IR whose .bin holds n² floats.
std::shared_ptr<ov::Model> matmul_model(size_t n, float w) {
  auto x = std::make_shared<ov::opset8::Parameter>(ov::element::f32, ov::Shape{1, n});
  auto weights = ov::opset8::Constant::create(ov::element::f32, ov::Shape{n, n}, std::vector<float>(n * n, w));
  auto y = std::make_shared<ov::opset8::MatMul>(x, weights);
  return std::make_shared<ov::Model>(ov::OutputVector{y}, ov::ParameterVector{x});
}

}  // namespace

TEST(AtomicFile, ReplacesAPlantedSymlinkInsteadOfFollowingIt) {
  const auto dir = fresh_temp_dir("atomic_symlink");
  const auto victim = dir / "victim.txt";
  write_string(victim, "precious");
  fs::create_symlink(victim, dir / "out.json");
  write_text_atomically(dir / "out.json", "{}");
  EXPECT_EQ(read_bytes(victim), "precious");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(dir / "out.json")));
  EXPECT_EQ(read_bytes(dir / "out.json"), "{}");
  EXPECT_TRUE(temporaries_in(dir).empty());
}

TEST(AtomicFile, TemporariesArePrivateFoldersWithUnpredictableNames) {
  const auto dir = fresh_temp_dir("atomic_private");
  std::vector<fs::path> seen;
  for (int i = 0; i < 2; ++i) {
    write_atomically(dir / "a.bin", [&](const fs::path& tmp) {
      seen.push_back(tmp.parent_path());
      const auto perms = fs::status(tmp.parent_path()).permissions();
      EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
      std::ofstream(tmp) << i;
    });
  }
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_NE(seen[0], seen[1]);
  const std::string prefix = ".torchvino-tmp-" + std::to_string(::getpid()) + "-";
  EXPECT_EQ(seen[0].filename().string().rfind(prefix, 0), 0u) << seen[0];
  EXPECT_GT(seen[0].filename().string().size(), prefix.size() + 5);
}

TEST(AtomicFile, RemovesTheTemporariesOfDeadProcessesOnly) {
  const auto dir = fresh_temp_dir("atomic_stale");
  const auto stale = dir / (".torchvino-tmp-" + std::to_string(dead_pid()) + "-AbC123");
  const auto alive = dir / (".torchvino-tmp-" + std::to_string(::getppid()) + "-XyZ789");
  const auto unrelated = dir / ".torchvino-tmp-notapid";
  for (const auto& d : {stale, alive, unrelated}) {
    fs::create_directories(d);
    write_string(d / "model.xml", "partial");
  }
  write_text_atomically(dir / "report.md", "ok");
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(unrelated));
}

TEST(AtomicFile, FullDiskIsACleanErrorAndKeepsTheOldFile) {
  const auto dir = fresh_temp_dir("atomic_full");
  const auto target = dir / "data.bin";
  write_string(target, "old");
  std::string message;
  {
    FileSizeLimit limit(4096);
    try {
      write_bytes_atomically(target, std::string(1 << 20, 'x'));
    } catch (const Error& e) {
      message = e.what();
    }
  }
  EXPECT_NE(message.find(target.string()), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_EQ(read_bytes(target), "old");
  EXPECT_TRUE(temporaries_in(dir).empty());
}

TEST(IrFiles, FullDiskWhileSavingAnIrIsACleanErrorAndKeepsTheOldPair) {
  const auto dir = fresh_temp_dir("ir_full");
  const auto xml = dir / "m.xml";
  save_ir(matmul_model(4, 1.0f), xml, Precision::FP32);
  const std::string old_xml = read_bytes(xml), old_bin = read_bytes(dir / "m.bin");
  std::string message;
  {
    FileSizeLimit limit(64 * 1024);
    try {
      save_ir(matmul_model(512, 2.0f), xml, Precision::FP32);  // 1 MB of weights
    } catch (const Error& e) {
      message = e.what();
    }
  }
  EXPECT_NE(message.find(xml.string()), std::string::npos) << message;
  EXPECT_EQ(message.find("basic_ios"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(read_bytes(xml), old_xml);
  EXPECT_EQ(read_bytes(dir / "m.bin"), old_bin);
  EXPECT_TRUE(temporaries_in(dir).empty());
  EXPECT_NO_THROW(read_model_file(xml));
}

TEST(IrFiles, ATornPairIsRefusedNotLoaded) {
  const auto dir = fresh_temp_dir("ir_torn");
  const auto xml = dir / "m.xml";
  save_ir(matmul_model(8, 1.0f), xml, Precision::FP32);
  const std::string first_xml = read_bytes(xml);
  EXPECT_NO_THROW(read_model_file(xml));
  save_ir(matmul_model(8, 3.0f), xml, Precision::FP32);  // same size, other weights
  EXPECT_NO_THROW(read_model_file(xml));
  write_string(xml, first_xml);  // the old .xml next to the new .bin
  try {
    read_model_file(xml);
    FAIL() << "a torn pair was loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("m.bin does not belong to it"), std::string::npos) << e.what();
  }
}

TEST(IrFiles, IrsWrittenByOtherToolsCarryNoStampAndStillLoad) {
  const auto dir = fresh_temp_dir("ir_foreign");
  ov::save_model(matmul_model(4, 1.0f), (dir / "f.xml").string(), false);
  EXPECT_NO_THROW(read_model_file(dir / "f.xml"));
}

// NNCF, ovc or a script that reads one of our IRs and saves a changed one copies its rt_info, our
// stamp included, into a pair the stamp does not describe: that pair is not torn.
TEST(IrFiles, AnIrAnotherToolRewroteFromOursLoadsWithItsOwnWeights) {
  const auto dir = fresh_temp_dir("ir_rewritten");
  save_ir(matmul_model(8, 1.0f), dir / "ours.xml", Precision::FP32);
  auto model = ov::Core().read_model((dir / "ours.xml").string());
  ASSERT_TRUE(model->has_rt_info("torchvino_weights"));
  for (const auto& op : model->get_ordered_ops())
    if (auto c = std::dynamic_pointer_cast<ov::opset8::Constant>(op))
      ov::replace_node(c, ov::opset8::Constant::create(ov::element::f32, c->get_shape(), std::vector<float>(64, 5.0f)));
  ov::save_model(model, (dir / "theirs.xml").string(), false);
  std::shared_ptr<ov::Model> loaded;
  ASSERT_NO_THROW(loaded = read_model_file(dir / "theirs.xml"));
  bool found = false;
  for (const auto& op : loaded->get_ordered_ops())
    if (auto c = std::dynamic_pointer_cast<ov::opset8::Constant>(op)) {
      EXPECT_EQ(c->cast_vector<float>(), std::vector<float>(64, 5.0f));
      found = true;
    }
  EXPECT_TRUE(found);
  // Our own pair still has its stamp checked.
  write_string(dir / "ours.bin", read_bytes(dir / "theirs.bin"));
  EXPECT_THROW(read_model_file(dir / "ours.xml"), Error);
}

TEST(FolderLock, ASecondWriterFailsAtOnceNamingTheHolder) {
  const auto dir = fresh_temp_dir("lock_busy") / "out";
  FolderLock first(dir, "test-holder", false);
  try {
    FolderLock second(dir, "other", false);
    FAIL() << "two writers held the folder";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(dir.string() + ": in use by torchvino test-holder (pid " + std::to_string(::getpid())),
              std::string::npos)
        << what;
    // The library names the option field; the CLI turns it into its flag.
    EXPECT_NE(what.find("set wait"), std::string::npos) << what;
    EXPECT_EQ(what.find("--"), std::string::npos) << what;
    EXPECT_EQ(e.option(), "wait");
  }
}

TEST(FolderLock, WithWaitTheSecondWriterRunsWhenTheFirstHasPublished) {
  const auto dir = fresh_temp_dir("lock_wait") / "out";
  auto first = std::make_unique<FolderLock>(dir, "first", false);
  StagedFolder next(*first);
  write_string(next.path() / "a.txt", "from first");
  std::promise<void> waiting;
  std::atomic<bool> told{false};
  auto second = std::async(std::launch::async, [&] {
    FolderLock lock(dir, "second", true, [&](const std::string&) {
      if (!told.exchange(true)) waiting.set_value();
    });
    return read_bytes(dir / "a.txt");
  });
  waiting.get_future().wait();
  // The lock file the waiter blocks on moves away with the old version; it must notice.
  next.publish();
  first.reset();
  EXPECT_EQ(second.get(), "from first");
}

TEST(FolderLock, RefusesAnOutputThatIsAFile) {
  const auto dir = fresh_temp_dir("lock_file");
  write_string(dir / "plain", "x");
  try {
    FolderLock lock(dir / "plain", "test", false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "plain").string()), std::string::npos) << e.what();
  }
}

TEST(StagedFolder, PublishesEverythingAtOnceAndKeepsWhatItDidNotRewrite) {
  const auto parent = fresh_temp_dir("staged_publish");
  const auto out = parent / "out";
  fs::create_directories(out / "fp32");
  write_string(out / "fp32" / "m.xml", "old ir");
  write_string(out / "notes.txt", "user's notes");
  FolderLock lock(out, "test", false);
  {
    StagedFolder next(lock);
    write_text_atomically(next.staged(out / "fp32" / "m.xml"), "new ir");
    write_text_atomically(next.path() / "report.json", "{}");
    EXPECT_EQ(read_bytes(out / "fp32" / "m.xml"), "old ir");  // nothing visible before publish
    EXPECT_FALSE(fs::exists(out / "report.json"));
    next.publish();
  }
  EXPECT_EQ(read_bytes(out / "fp32" / "m.xml"), "new ir");
  EXPECT_EQ(read_bytes(out / "report.json"), "{}");
  EXPECT_EQ(read_bytes(out / "notes.txt"), "user's notes");
  EXPECT_TRUE(temporaries_in(parent).empty());
}

TEST(StagedFolder, AnUnpublishedVersionLeavesTheFolderAsItWas) {
  const auto parent = fresh_temp_dir("staged_abandon");
  const auto out = parent / "out";
  fs::create_directories(out);
  write_string(out / "m.pt", "finished model");
  FolderLock lock(out, "test", false);
  {
    StagedFolder next(lock);
    write_text_atomically(next.path() / "m.pt", "half-trained model");
  }  // e.g. an exception unwinds
  EXPECT_EQ(read_bytes(out / "m.pt"), "finished model");
  EXPECT_TRUE(temporaries_in(parent).empty());
}

TEST(StagedFolder, IsNotUsedForTheWorkingFolderOrAFolderHoldingATree) {
  EXPECT_TRUE(StagedFolder::why_not_staged(fs::current_path()).has_value());
  EXPECT_TRUE(StagedFolder::why_not_staged(fs::current_path().parent_path()).has_value());
  const auto dir = fresh_temp_dir("staged_tree");
  fs::create_directories(dir / "fp32");
  write_string(dir / "fp32" / "m.xml", "x");
  EXPECT_EQ(StagedFolder::why_not_staged(dir), std::nullopt);
  fs::create_directories(dir / "src" / "deeper");
  EXPECT_EQ(StagedFolder::why_not_staged(dir), std::optional<std::string>("it holds folders inside folders"));
}

TEST(StagedFolder, ThePublishedFolderKeepsItsPermissions) {
  const auto out = fresh_temp_dir("staged_perms") / "out";
  fs::create_directories(out);
  fs::permissions(out, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  FolderLock lock(out, "test", false);
  StagedFolder next(lock);
  next.publish();
  EXPECT_EQ(fs::status(out).permissions() & fs::perms::all,
            fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                fs::perms::others_exec);
}
