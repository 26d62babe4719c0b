// torchvino::Classifier against the FP32 model it was converted from: image files the test writes,
// decoded buffers, batches, baked preprocessing, the asynchronous stream, and bad inputs.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "data/resample.hpp"
#include "test_support.hpp"
#include "torchvino/bake_preprocessing.hpp"
#include "torchvino/classifier.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/models.hpp"

namespace fs = std::filesystem;
using torchvino::Classifier;
using torchvino::ClassifierOptions;
using torchvino::ImageView;
using torchvino::TopK;
using test_support::error_of;

namespace {

const std::vector<std::string> kLabels = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
constexpr float kMean = 0.286f, kStd = 0.353f;

// A seed ConvNet (random weights, fixed seed) for 28×28 gray images, with a checkpoint's metadata,
// saved as an FP32 IR.
struct Fixture {
  test_support::TempDir dir{"classifier"};
  torchvino::Model model;
  fs::path ir;

  Fixture() {
    torch::manual_seed(11);
    model = torchvino::create_model({.arch = "convnet", .in_channels = 1, .num_classes = 10, .image_size = 28});
    model.metadata = {.dataset = "fashion-mnist", .mean = {kMean}, .std = {kStd}, .labels = kLabels};
    ir = dir / "convnet.xml";
    torchvino::save_ir(torchvino::to_openvino(model), ir);
  }
};

// A random h×w×c image (the same for the same seed).
torchvino::Image random_image(int64_t h, int64_t w, int64_t c, uint64_t seed) {
  torch::manual_seed(seed);
  const auto t = torch::randint(0, 256, {h, w, c}, torch::kUInt8);
  torchvino::Image image{.height = h, .width = w, .channels = c, .pixels = {}};
  image.pixels.assign(t.data_ptr<uint8_t>(), t.data_ptr<uint8_t>() + t.numel());
  return image;
}

void write_png(const fs::path& file, const torchvino::Image& image) {
  ASSERT_NE(stbi_write_png(file.c_str(), int(image.width), int(image.height), int(image.channels),
                           image.pixels.data(), int(image.width * image.channels)),
            0)
      << file;
}

// The FP32 reference: the IR run on the image normalised as the dataset loaders do, softmaxed.
torch::Tensor reference_probabilities(const fs::path& ir, const torchvino::Image& gray28) {
  auto x = torch::from_blob(const_cast<uint8_t*>(gray28.pixels.data()), {1, 1, 28, 28}, torch::kUInt8)
               .to(torch::kFloat)
               .div(255.0)
               .sub(kMean)
               .div(kStd);
  test_support::Runner runner(torchvino::read_model_file(ir));
  return torch::softmax(runner.run(x), 1)[0];
}

}  // namespace

TEST(Classifier, ImageFilesGetTheFp32ModelsTop5WithLabels) {
  Fixture f;
  Classifier classifier(f.ir);
  EXPECT_EQ(classifier.labels(), kLabels);  // from the IR's metadata, no option needed
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const auto image = random_image(28, 28, 1, seed);
    const fs::path file = f.dir / ("image" + std::to_string(seed) + ".png");
    write_png(file, image);
    const TopK top = classifier.classify(file);
    const auto expected = reference_probabilities(f.ir, image);
    ASSERT_EQ(top.size(), 5u);
    EXPECT_EQ(top[0].index, expected.argmax().item<int64_t>()) << file;
    for (size_t i = 0; i < top.size(); ++i) {
      EXPECT_EQ(top[i].label, kLabels[size_t(top[i].index)]);
      EXPECT_NEAR(top[i].probability, expected[top[i].index].item<float>(), 1e-5);
      if (i > 0) {
        EXPECT_GE(top[i - 1].probability, top[i].probability);
      }
    }
  }
}

TEST(Classifier, BuffersBatchesAndBakedPreprocessingAgree) {
  Fixture f;
  Classifier classifier(f.ir, {.top_k = 3});
  std::vector<torchvino::Image> images;
  for (uint64_t seed = 20; seed < 24; ++seed) images.push_back(random_image(28, 28, 1, seed));
  std::vector<ImageView> views;
  for (const auto& image : images) views.push_back(torchvino::view_of(image));
  const auto batch = classifier.classify(views);
  ASSERT_EQ(batch.size(), images.size());

  torchvino::Preprocessing p;
  p.channels = 1;
  p.mean = {kMean};
  p.std = {kStd};
  const fs::path baked_ir = f.dir / "baked.xml";
  torchvino::save_ir(torchvino::bake_preprocessing(torchvino::read_model_file(f.ir), p, 28, 28, 1), baked_ir);
  Classifier baked(baked_ir, {.top_k = 3});
  EXPECT_TRUE(baked.metadata().input.preprocessing_baked);
  for (size_t i = 0; i < images.size(); ++i) {
    const TopK one = classifier.classify(views[i]);
    const TopK from_baked = baked.classify(views[i]);
    ASSERT_EQ(one.size(), 3u);
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_EQ(batch[i][k].index, one[k].index);
      EXPECT_NEAR(batch[i][k].probability, one[k].probability, 1e-6);
      EXPECT_EQ(from_baked[k].index, one[k].index);
      EXPECT_NEAR(from_baked[k].probability, one[k].probability, 1e-5);
    }
  }
}

TEST(Classifier, RgbAndOtherSizesAreConvertedAndResized) {
  Fixture f;
  Classifier classifier(f.ir);
  // An RGB image whose channels are equal is its gray image: luma (0.299+0.587+0.114 = 1) is exact.
  const auto gray = random_image(28, 28, 1, 5);
  torchvino::Image rgb{.height = 28, .width = 28, .channels = 3, .pixels = {}};
  for (uint8_t v : gray.pixels) rgb.pixels.insert(rgb.pixels.end(), {v, v, v});
  const TopK from_gray = classifier.classify(torchvino::view_of(gray));
  const TopK from_rgb = classifier.classify(torchvino::view_of(rgb));
  for (size_t k = 0; k < from_gray.size(); ++k) {
    EXPECT_EQ(from_rgb[k].index, from_gray[k].index);
    EXPECT_NEAR(from_rgb[k].probability, from_gray[k].probability, 1e-6);
  }
  // Other sizes are resized as torchvision's Resize((28, 28)) on a PIL image: the result of a
  // 56×41 image is that of its Pillow-resized 28×28 pixels given as they are.
  const auto big = random_image(56, 41, 1, 6);
  torchvino::Image small{.height = 28, .width = 28, .channels = 1, .pixels = std::vector<uint8_t>(28 * 28)};
  torchvino::resample(big.pixels.data(), 1, 56, 41, small.pixels.data(), 28, 28, {0, 0, 28, 28},
                      torchvino::Interpolation::Bilinear, /*antialias=*/true);
  const TopK from_big = classifier.classify(torchvino::view_of(big));
  const TopK from_small = classifier.classify(torchvino::view_of(small));
  for (size_t k = 0; k < from_big.size(); ++k) {
    EXPECT_EQ(from_big[k].index, from_small[k].index);
    EXPECT_EQ(from_big[k].probability, from_small[k].probability);
  }
  // Images of different sizes share a batch, each resized.
  const auto batch = classifier.classify(std::vector{torchvino::view_of(big), torchvino::view_of(gray)});
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0][0].index, from_small[0].index);
  EXPECT_NEAR(batch[0][0].probability, from_small[0].probability, 1e-6);
  EXPECT_EQ(batch[1][0].index, from_gray[0].index);
  // The model's metadata chooses the resizing: nearest without antialiasing picks pixels.
  auto nearest = torchvino::read_model_file(f.ir);
  auto m = torchvino::read_ir_metadata(*nearest);
  m.input.interpolation = torchvino::Interpolation::Nearest;
  torchvino::write_ir_metadata(*nearest, m);
  const fs::path nearest_ir = f.dir / "nearest.xml";
  torchvino::save_ir(nearest, nearest_ir);
  torchvino::Image blocks{.height = 56, .width = 56, .channels = 1, .pixels = std::vector<uint8_t>(56 * 56)};
  for (int y = 0; y < 56; ++y)
    for (int x = 0; x < 56; ++x) blocks.pixels[size_t(y * 56 + x)] = gray.pixels[size_t((y / 2) * 28 + x / 2)];
  const TopK from_blocks = Classifier(nearest_ir).classify(torchvino::view_of(blocks));
  EXPECT_EQ(from_blocks[0].index, from_gray[0].index);
  EXPECT_EQ(from_blocks[0].probability, from_gray[0].probability);
}

TEST(ClassifierStream, ResultsComeInSubmissionOrderAndMatchClassify) {
  Fixture f;
  Classifier classifier(f.ir, {.top_k = 2, .run = {.requests = 3}});
  std::vector<torchvino::Image> frames;
  for (uint64_t seed = 100; seed < 130; ++seed) frames.push_back(random_image(28, 28, 1, seed));
  std::mutex mutex;
  std::vector<std::pair<uint64_t, TopK>> results;
  {
    auto stream = classifier.stream([&](uint64_t frame, const TopK& top) {
      std::lock_guard lock(mutex);
      results.emplace_back(frame, top);
    });
    for (size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(stream->submit(torchvino::view_of(frames[i])), i);
    stream->flush();
    EXPECT_EQ(results.size(), frames.size());
  }
  ASSERT_EQ(results.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(results[i].first, i);
    const TopK expected = classifier.classify(torchvino::view_of(frames[i]));
    EXPECT_EQ(results[i].second[0].index, expected[0].index) << "frame " << i;
    EXPECT_NEAR(results[i].second[0].probability, expected[0].probability, 1e-6);
  }
}

TEST(ClassifierStream, SubmitBlocksWhileRequestsFramesAreUndelivered) {
  Fixture f;
  Classifier classifier(f.ir, {.run = {.requests = 2}});
  const auto frame = random_image(28, 28, 1, 7);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> delivered{0};
  auto stream = classifier.stream([&](uint64_t number, const TopK&) {
    if (number == 0) released.wait();  // a slow consumer
    ++delivered;
  });
  stream->submit(torchvino::view_of(frame));
  stream->submit(torchvino::view_of(frame));
  std::atomic<bool> third_submitted{false};
  std::thread producer([&] {
    stream->submit(torchvino::view_of(frame));
    third_submitted = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(third_submitted) << "submit() returned with 2 frames undelivered and 2 requests";
  EXPECT_EQ(delivered, 0);
  release.set_value();
  producer.join();
  EXPECT_TRUE(third_submitted);
  stream->flush();
  EXPECT_EQ(delivered, 3);
}

TEST(ClassifierStream, ACallbackErrorStopsTheStreamAndFlushRethrowsIt) {
  Fixture f;
  Classifier classifier(f.ir, {.run = {.requests = 2}});
  const auto frame = random_image(28, 28, 1, 8);
  auto stream = classifier.stream([&](uint64_t number, const TopK&) {
    if (number == 1) throw torchvino::Error("consumer failed on frame 1");
  });
  for (int i = 0; i < 2; ++i) stream->submit(torchvino::view_of(frame));
  EXPECT_EQ(error_of([&] { stream->flush(); }), "consumer failed on frame 1");
  EXPECT_EQ(error_of([&] { stream->submit(torchvino::view_of(frame)); }), "consumer failed on frame 1");
}

TEST(Classifier, BadInputsAreErrorsNamingTheProblem) {
  Fixture f;
  Classifier classifier(f.ir);
  const auto two_channels = random_image(28, 28, 2, 9);
  EXPECT_EQ(error_of([&] { classifier.classify(torchvino::view_of(two_channels)); }),
            "image: 2 channels; expected 1 (gray) or 3 (RGB)");
  auto stream = classifier.stream([](uint64_t, const TopK&) {});
  EXPECT_EQ(error_of([&] { stream->submit(torchvino::view_of(two_channels)); }),
            "frame: 2 channels; expected 1 (gray) or 3 (RGB)");
  const fs::path missing = f.dir / "missing.png";
  EXPECT_EQ(error_of([&] { classifier.classify(missing); }), missing.string() + ": file not found");
  const fs::path corrupt = f.dir / "corrupt.png";
  test_support::write_string(corrupt, "\x89PNG\r\n\x1a\n truncated");
  EXPECT_NE(error_of([&] { classifier.classify(corrupt); }).find(corrupt.string() + ": cannot decode image"),
            std::string::npos);

  EXPECT_EQ(error_of([&] { Classifier(f.ir, {.labels = {"a", "b"}}); }),
            "labels: 2 names for a model of 10 classes (" + f.ir.string() + ")");
  EXPECT_EQ(error_of([&] { Classifier(f.ir, {.run = {.requests = 0}}); }), "classifier: requests must be at least 1, got 0");
  EXPECT_EQ(error_of([&] { Classifier(f.dir / "none.xml"); }), (f.dir / "none.xml").string() + ": model file not found");

  // Without metadata nothing says how to normalise: an error, not a guess.
  const auto a = random_image(28, 28, 1, 1), b = random_image(20, 20, 1, 2);
  auto bare = torchvino::read_model_file(f.ir);
  bare->get_rt_info().erase("torchvino");
  torchvino::save_ir(bare, f.dir / "bare.xml");
  EXPECT_NE(error_of([&] { Classifier(f.dir / "bare.xml"); }).find("the input normalisation (mean/std) is not known"),
            std::string::npos);
  Classifier explicit_spec(f.dir / "bare.xml", {.input = torchvino::InputSpec{.mean = {kMean}, .std = {kStd}}});
  EXPECT_EQ(explicit_spec.classify(torchvino::view_of(a))[0].index, classifier.classify(torchvino::view_of(a))[0].index);
  EXPECT_EQ(explicit_spec.labels()[0], "0");

  // Preprocessing baked for 28×28 takes 28×28 images only.
  torchvino::Preprocessing p;
  p.channels = 1;
  p.mean = {kMean};
  p.std = {kStd};
  torchvino::save_ir(torchvino::bake_preprocessing(torchvino::read_model_file(f.ir), p, 28, 28, 1), f.dir / "baked.xml");
  Classifier baked(f.dir / "baked.xml");
  EXPECT_EQ(error_of([&] { baked.classify(torchvino::view_of(b)); }),
            "image: 20×20 pixels; the model's preprocessing was baked for 28×28 images");
}
