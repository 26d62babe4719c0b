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
  const auto r = run_cli("classify --json --requests 3 --top 1 " + int8().string() + " " + file("frames"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("classify: 9/9 images of " + file("frames")), std::string::npos) << r.output;
  const auto results = json_of(r.output)["results"];
  ASSERT_EQ(results.size(), 9u);
  torchvino::Classifier classifier(int8(), {.top_k = 1});
  for (size_t i = 0; i < results.size(); ++i) {
    const fs::path image = *dir_ / "frames" / ("frame" + std::to_string(i + 13) + ".png");
    EXPECT_EQ(results[i]["image"], image.string());
    EXPECT_EQ(results[i]["top"][0]["index"].get<int64_t>(), classifier.classify(image)[0].index) << image;
  }
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
  EXPECT_NE(r.output.find(file("empty") + ": no image files in the folder"), std::string::npos) << r.output;
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
