// `torchvino classify` on the INT8 model `pipeline` makes, for image files and a folder the test
// writes from Fashion-MNIST's test images; and `info` showing the metadata pipeline recorded.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_runner.hpp"
#include "torchvino/classifier.hpp"
#include "torchvino/data.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kData = "/usr/share/datasets/fashion-mnist";
const std::vector<std::string> kLabels = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// One pipeline run (tiny: 1 epoch on 384 images) shared by the tests, and images from the test
// split: 28×28 gray PNGs, and one 3-channel 56×56 PNG (RGB and another size).
class CliClassify : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kData)) return;
    dir_ = new fs::path(fresh_temp_dir("cli_classify"));
    const auto r = run_cli("pipeline --modes fp32,int8 --epochs 1 --train-limit 384 --limit 192 --subset-size 32 "
                           "--threads 2 --data-dir " + kData.string() + " --out " + (*dir_ / "out").string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto idx = torchvino::read_idx(kData / "t10k-images-idx3-ubyte.gz");
    fs::create_directories(*dir_ / "frames");
    for (int i = 0; i < 12; ++i) {
      const uint8_t* pixels = idx.data.data() + i * 28 * 28;
      const fs::path file = i < 3 ? *dir_ / ("item" + std::to_string(i) + ".png")
                                  : *dir_ / "frames" / ("frame" + std::to_string(i + 10) + ".png");
      ASSERT_NE(stbi_write_png(file.c_str(), 28, 28, 1, pixels, 28), 0);
    }
    std::vector<uint8_t> rgb;
    for (int y = 0; y < 56; ++y)
      for (int x = 0; x < 56; ++x) rgb.insert(rgb.end(), 3, idx.data[size_t((y / 2) * 28 + x / 2)]);
    ASSERT_NE(stbi_write_png((*dir_ / "big_rgb.png").c_str(), 56, 56, 3, rgb.data(), 56 * 3), 0);
  }
  static void TearDownTestSuite() {
    if (dir_) fs::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!fs::exists(kData)) GTEST_SKIP() << kData << " missing (Debian package dataset-fashion-mnist)";
  }
  static fs::path int8() { return *dir_ / "out" / "int8" / "convnet.xml"; }
  static std::string file(const std::string& name) { return (*dir_ / name).string(); }

  static inline fs::path* dir_ = nullptr;
};

// The JSON part of an output (progress lines on stderr come first).
nlohmann::json json_of(const std::string& output) {
  return nlohmann::json::parse(output.substr(output.find("{\n")));
}

}  // namespace

TEST_F(CliClassify, Int8ModelPrintsLabelledTop5ForEachImage) {
  const auto r = run_cli("classify " + int8().string() + " " + file("item0.png") + " " + file("item1.png") + " " +
                         file("big_rgb.png"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* name : {"item0.png", "item1.png", "big_rgb.png"})
    EXPECT_NE(r.output.find(file(name) + "\n  1. "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  5. "), std::string::npos) << r.output;

  const auto j = run_cli("classify --json --top 5 " + int8().string() + " " + file("item0.png") + " " +
                         file("big_rgb.png"));
  ASSERT_EQ(j.exit_code, 0) << j.output;
  const auto doc = json_of(j.output);
  ASSERT_EQ(doc["results"].size(), 2u);
  torchvino::Classifier classifier(int8());  // the library, in-process, on the same files
  for (const auto& result : doc["results"]) {
    const auto& top = result["top"];
    ASSERT_EQ(top.size(), 5u);
    double previous = 1.0;
    for (const auto& p : top) {
      EXPECT_EQ(p["label"], kLabels.at(p["index"].get<size_t>()));
      EXPECT_LE(p["probability"].get<double>(), previous);
      previous = p["probability"].get<double>();
    }
    const auto expected = classifier.classify(fs::path(result["image"].get<std::string>()));
    EXPECT_EQ(top[0]["index"].get<int64_t>(), expected[0].index);
  }
  // The 2×2-block RGB copy of item0 is item0 to the model.
  EXPECT_EQ(doc["results"][0]["top"][0]["index"], doc["results"][1]["top"][0]["index"]);
}

TEST_F(CliClassify, AFolderIsStreamedInOrderWithProgress) {
  const auto text = run_cli("classify --requests 3 --top 1 " + int8().string() + " " + file("frames"));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("classify: 9/9 images of " + file("frames") + " ("), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("images/s, ETA 0:00)"), std::string::npos) << text.output;
  const auto r = run_cli("classify --json --requests 3 --top 1 " + int8().string() + " " + file("frames"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("classify: "), std::string::npos) << "--json is quiet:\n" << r.output;
  const auto results = json_of(r.output)["results"];
  ASSERT_EQ(results.size(), 9u);
  torchvino::Classifier classifier(int8(), {.top_k = 1});
  for (size_t i = 0; i < results.size(); ++i) {
    const fs::path image = *dir_ / "frames" / ("frame" + std::to_string(i + 13) + ".png");
    EXPECT_EQ(results[i]["image"], image.string());
    EXPECT_EQ(results[i]["top"][0]["index"].get<int64_t>(), classifier.classify(image)[0].index) << image;
  }
}

TEST_F(CliClassify, AFolderOfClassFoldersIsWalked) {
  fs::create_directories(*dir_ / "classes" / "b");
  fs::create_directories(*dir_ / "classes" / "a" / "deeper");
  fs::copy_file(file("item0.png"), *dir_ / "classes" / "b" / "x.png", fs::copy_options::overwrite_existing);
  fs::copy_file(file("item1.png"), *dir_ / "classes" / "a" / "deeper" / "y.png", fs::copy_options::overwrite_existing);
  const auto r = run_cli("classify --json --top 1 " + int8().string() + " " + file("classes"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto results = json_of(r.output)["results"];
  ASSERT_EQ(results.size(), 2u) << r.output;
  EXPECT_EQ(results[0]["image"], (*dir_ / "classes" / "a" / "deeper" / "y.png").string());
  EXPECT_EQ(results[1]["image"], (*dir_ / "classes" / "b" / "x.png").string());
}

// The accuracy `eval` prints: "mode int8  accuracy 55.56%  ..." → 55.56.
double printed_accuracy(const std::string& output) {
  const auto at = output.find("accuracy ");
  if (at == std::string::npos) return -1;
  return std::stod(output.substr(at + 9));
}

TEST_F(CliClassify, EvalReadsAFlatFolderWithAGroundTruthFileInTheModelsLabelOrder) {
  const fs::path data = *dir_ / "flat";
  fs::create_directories(data / "val");
  const auto labels = torchvino::read_idx(kData / "t10k-labels-idx1-ubyte.gz");
  std::ofstream by_index(data / "gt_index.txt"), by_name(data / "gt_name.csv"), classes(data / "classes.txt");
  by_name << "ImageId,Label\n";
  // Classes listed in reverse: the model's order comes from --labels, not from the file.
  for (auto it = kLabels.rbegin(); it != kLabels.rend(); ++it) classes << *it << "\n";
  torchvino::Classifier classifier(int8(), {.top_k = 1});
  int correct = 0;
  for (int i = 3; i < 12; ++i) {
    const std::string name = "frame" + std::to_string(i + 10);
    fs::copy_file(*dir_ / "frames" / (name + ".png"), data / "val" / (name + ".png"), fs::copy_options::overwrite_existing);
    const int label = labels.data[size_t(i)];
    by_index << name << ".png " << label << "\n";
    by_name << name << "," << kLabels[size_t(label)] << "\n";
    correct += classifier.classify(data / "val" / (name + ".png"))[0].index == label;
  }
  by_index.close(), by_name.close(), classes.close();
  // 28×28 images fed as they are (no resize, no crop), normalised as the model's metadata says:
  // what classify does, so eval's accuracy is classify's hit rate.
  const std::string eval = "eval --mode int8 --ir " + int8().string() + " --dataset folder --data-dir " + data.string() +
                           " --resize 28 --crop 28 --batch 4 --threads 2";
  const auto r = run_cli(eval + " --ground-truth " + (data / "gt_index.txt").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("on 9 test images"), std::string::npos) << r.output;
  EXPECT_NEAR(printed_accuracy(r.output), 100.0 * correct / 9, 0.01) << r.output;
  // Class names, in a CSV with a header, matched to the model's outputs through its labels.
  const auto named = run_cli(eval + " --ground-truth " + (data / "gt_name.csv").string() + " --labels " +
                             (data / "classes.txt").string() + " --limit 5 --limit-seed 1");
  ASSERT_EQ(named.exit_code, 0) << named.output;
  EXPECT_NE(named.output.find("on 5 test images"), std::string::npos) << named.output;
  // Reversed labels: the model's output 9 - k is class k, so (almost) nothing matches any more.
  EXPECT_LE(printed_accuracy(named.output), 40.0) << named.output;
  std::ofstream(data / "model_order.txt") << [] {
    std::string all;
    for (const auto& l : kLabels) all += l + "\n";
    return all;
  }();
  const auto ordered = run_cli(eval + " --ground-truth " + (data / "gt_name.csv").string() + " --labels " +
                               (data / "model_order.txt").string());
  ASSERT_EQ(ordered.exit_code, 0) << ordered.output;
  EXPECT_NEAR(printed_accuracy(ordered.output), 100.0 * correct / 9, 0.01) << ordered.output;

  const auto missing = run_cli(eval + " --ground-truth " + (data / "none.txt").string());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find((data / "none.txt").string() + ": ground-truth file not found or unreadable (--ground-truth)"),
            std::string::npos)
      << missing.output;
  const auto unseeded = run_cli(eval + " --limit-seed 3 --ground-truth " + (data / "gt_index.txt").string());
  EXPECT_NE(unseeded.output.find("--limit-seed draws --limit images: give --limit too"), std::string::npos)
      << unseeded.output;
}

TEST_F(CliClassify, LabelsFileReplacesTheMetadataAndMustMatchTheClasses) {
  std::ofstream(file("letters.txt")) << "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
  auto r = run_cli("classify --top 2 --labels " + file("letters.txt") + " " + int8().string() + " " +
                   file("item0.png"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("Ankle boot"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  1. "), std::string::npos) << r.output;
  std::ofstream(file("two.txt")) << "cat\ndog\n";
  r = run_cli("classify --labels " + file("two.txt") + " " + int8().string() + " " + file("item0.png"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--labels: " + file("two.txt") + ": 2 names for a model of 10 classes"), std::string::npos)
      << r.output;
}

TEST_F(CliClassify, UnreadableImagesAreOneLineErrors) {
  std::ofstream(file("corrupt.png")) << "\x89PNG\r\n\x1a\n not really";
  auto r = run_cli("classify " + int8().string() + " " + file("corrupt.png"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("torchvino: error: " + file("corrupt.png") + ": cannot decode image"), std::string::npos)
      << r.output;
  r = run_cli("classify " + int8().string() + " " + file("absent.png"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find(file("absent.png") + ": file or folder not found"), std::string::npos) << r.output;
  fs::create_directories(*dir_ / "empty");
  r = run_cli("classify " + int8().string() + " " + file("empty"));
  EXPECT_NE(r.output.find(file("empty") + ": no image files (*.jpg, *.jpeg, *.png) in the folder or its sub-folders"),
            std::string::npos)
      << r.output;
}

TEST_F(CliClassify, InfoPrintsTheMetadataPipelineRecorded) {
  const auto r = run_cli("info " + int8().string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* entry : {"  labels: [\"T-shirt/top\",\"Trouser\"", "  dataset: fashion-mnist", "  input.height: 28",
                            "  input.channels: 1", "  input.layout: NCHW", "  input.preprocessing_baked: false",
                            "  accuracy.images: 192", "  accuracy.dataset: fashion-mnist (test)", "  accuracy.top1: 0.",
                            "  quantization.preset: performance", "  version: "})
    EXPECT_NE(r.output.find(entry), std::string::npos) << entry << "\n" << r.output;
}
