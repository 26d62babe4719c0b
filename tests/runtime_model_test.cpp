#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "torchvino/error.hpp"
#include "torchvino/models.hpp"
#include "torchvino/runtime.hpp"
#include "torchvino/train.hpp"
#include "test_support.hpp"
#include "util/atomic_file.hpp"

#include <sys/wait.h>

#include <csignal>

using namespace torchvino;
namespace fs = std::filesystem;

namespace {
fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("torchvino_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}
}  // namespace

TEST(ConvNet, HasTheOriginalsParameterNamesAndShapes) {
  Model model = create_model({});
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& p : model.module().named_parameters()) shapes[p.key()] = p.value().sizes().vec();
  EXPECT_EQ(shapes.size(), 10u);
  EXPECT_EQ(shapes["layer1.0.weight"], (std::vector<int64_t>{16, 1, 5, 5}));
  EXPECT_EQ(shapes["layer1.1.weight"], (std::vector<int64_t>{16}));
  EXPECT_EQ(shapes["layer2.0.weight"], (std::vector<int64_t>{32, 16, 5, 5}));
  EXPECT_EQ(shapes["fc.weight"], (std::vector<int64_t>{10, 1568}));
  auto out = model.forward(torch::randn({3, 1, 28, 28}));
  EXPECT_EQ(out.sizes(), (c10::IntArrayRef{3, 10}));
}

TEST(Checkpoint, RoundTripKeepsEveryParameterAndBuffer) {
  auto dir = temp_dir("ckpt");
  Model a = create_model({});
  {
    torch::NoGradGuard g;
    for (auto& b : a.module().named_buffers())
      if (b.value().is_floating_point()) b.value().uniform_(0.5, 1.5);
  }
  save_checkpoint(a, dir / "m.pt");
  Model b = load_checkpoint(dir / "m.pt");
  EXPECT_EQ(b.spec.arch, "convnet");
  auto pa = a.module().named_parameters(), pb = b.module().named_parameters();
  for (const auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
  auto ba = a.module().named_buffers(), bb = b.module().named_buffers();
  for (const auto& x : ba) EXPECT_TRUE(torch::equal(x.value(), bb[x.key()])) << x.key();
  a.module().eval();
  b.module().eval();
  auto x = torch::randn({2, 1, 28, 28});
  EXPECT_TRUE(torch::allclose(a.forward(x), b.forward(x)));
  fs::remove_all(dir);
}

TEST(Checkpoint, CorruptTruncatedAndMissingFilesFailClearly) {
  auto dir = temp_dir("ckpt_bad");
  EXPECT_THROW(
      {
        try {
          load_checkpoint(dir / "missing.pt");
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("missing.pt"), std::string::npos);
          throw;
        }
      },
      Error);
  std::ofstream(dir / "garbage.pt") << "this is not a checkpoint";
  EXPECT_THROW(load_checkpoint(dir / "garbage.pt"), Error);

  Model a = create_model({});
  save_checkpoint(a, dir / "good.pt");
  const auto size = fs::file_size(dir / "good.pt");
  fs::copy_file(dir / "good.pt", dir / "cut.pt");
  fs::resize_file(dir / "cut.pt", size / 2);
  try {
    load_checkpoint(dir / "cut.pt");
    FAIL() << "truncated checkpoint loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.pt"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(Checkpoint, AFailedSaveLeavesTheOldCheckpoint) {
  auto dir = temp_dir("ckpt_keep");
  Model a = create_model({});
  save_checkpoint(a, dir / "m.pt");
  const auto before = test_support::read_bytes(dir / "m.pt");
  Model b = create_model({});
  {
    test_support::FileSizeLimit full_disk(4096);  // the new save fails midway, as on a full disk
    EXPECT_ANY_THROW(save_checkpoint(b, dir / "m.pt"));
  }
  EXPECT_EQ(test_support::read_bytes(dir / "m.pt"), before);
  EXPECT_NO_THROW(load_checkpoint(dir / "m.pt"));
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename(), "m.pt") << "left behind: " << entry.path();
  fs::remove_all(dir);
}

TEST(Models, UnknownArchIsAnError) {
  ModelSpec spec;
  spec.arch = "vgg99";
  try {
    create_model(spec);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vgg99"), std::string::npos);
  }
}

TEST(Models, ZooTableGivesNamesAndDefaultInputs) {
  EXPECT_EQ(model_names().front(), "convnet");
  EXPECT_EQ(model_names().size(), 6u);
  const ModelInfo& convnet = model_info("convnet");
  EXPECT_EQ(convnet.in_channels, 1);
  EXPECT_EQ(convnet.image_size_for(32), 28);
  EXPECT_EQ(convnet.image_size_for(224), 224);
  const ModelInfo& resnet = model_info("resnet50");
  EXPECT_EQ(resnet.in_channels, 3);
  EXPECT_EQ(resnet.image_size_for(28), 32);
  EXPECT_EQ(resnet.image_size_for(224), 224);
}

TEST(Models, UnknownNameInTheZooListsTheKnownOnes) {
  try {
    model_info("vgg99");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown model 'vgg99' (known: convnet, resnet18, "),
              std::string::npos)
        << e.what();
  }
}

TEST(Train, LearnsASeparableProblemAndIsReproducible) {
  // Two classes told apart by the brightness of the left half: a few batches suffice.
  torch::manual_seed(0);
  Dataset data;
  data.labels = torch::randint(0, 2, {480}, torch::kLong);
  data.images = torch::randn({480, 1, 28, 28}) * 0.3;
  data.images.index_put_({torch::indexing::Slice(), 0, torch::indexing::Slice(), torch::indexing::Slice(0, 14)},
                         data.images.index({torch::indexing::Slice(), 0, torch::indexing::Slice(),
                                            torch::indexing::Slice(0, 14)}) +
                             (data.labels.to(torch::kFloat) * 2 - 1).view({-1, 1, 1}));
  TrainOptions options;
  options.epochs = 2;
  options.batch_size = 32;
  std::vector<double> first_run;
  for (int run = 0; run < 2; ++run) {
    torch::manual_seed(options.seed);  // initial weights come from the seed too
    Model model = create_model({"convnet", 1, 2, 28});
    int calls = 0;
    auto history = train(model, data, &data, options, [&](const EpochStats&) { ++calls; });
    EXPECT_EQ(calls, 2);
    ASSERT_EQ(history.size(), 2u);
    EXPECT_GT(history.back().test_accuracy, 0.95);
    EXPECT_LT(history.back().loss, history.front().loss + 1e-9);
    if (run == 0) first_run = {history[0].loss, history[1].loss};
    else EXPECT_EQ(first_run, (std::vector<double>{history[0].loss, history[1].loss}));
  }
}

TEST(Checkpoint, CtrlCDuringASaveLeavesNoTemporaryAndKeepsTheOldFile) {
  // A child process starts saving over a good checkpoint and is interrupted by SIGINT midway.
  auto dir = temp_dir("ckpt_sigint");
  Model good = create_model({});
  save_checkpoint(good, dir / "m.pt");
  const auto before = fs::file_size(dir / "m.pt");
  const pid_t child = ::fork();
  if (child == 0) {
    write_atomically(dir / "m.pt", [&](const fs::path& tmp) {
      std::ofstream(tmp) << "half-written";
      ::raise(SIGINT);  // the user presses Ctrl-C while the temporary is open
    });
    ::_exit(0);  // not reached: SIGINT ends the process
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
  EXPECT_EQ(fs::file_size(dir / "m.pt"), before);
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename(), "m.pt") << "left behind: " << entry.path();
  fs::remove_all(dir);
}
