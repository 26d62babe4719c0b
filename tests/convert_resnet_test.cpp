// The ResNet family: torchvision-compatible names, and conversion parity.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <sstream>

#include "convert_support.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/models.hpp"

using convert_test::op_counts;
using convert_test::relative_error;
using convert_test::Runner;

namespace {

torchvino::Model random_resnet(const std::string& arch, int64_t image_size, int64_t classes = 10) {
  torch::manual_seed(3);
  auto model = torchvino::create_model({arch, 3, classes, image_size});
  convert_test::randomise_batchnorm(model.module());
  model.module().eval();
  return model;
}

std::string shape_text(const torch::Tensor& t) {
  if (t.dim() == 0) return "scalar";
  std::string s;
  for (auto d : t.sizes()) {
    if (!s.empty()) s += 'x';
    s += std::to_string(d);
  }
  return s;
}

int64_t parameter_count(const torchvino::Model& m) {
  int64_t n = 0;
  for (const auto& p : m.module().parameters()) n += p.numel();
  return n;
}

double check_parity(const std::string& arch, int64_t image_size, int64_t batch,
                    std::shared_ptr<ov::Model>* converted = nullptr, int64_t classes = 10) {
  auto model = random_resnet(arch, image_size, classes);
  auto ov_model = torchvino::to_openvino(model);
  if (converted) *converted = ov_model;
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({batch, 3, image_size, image_size});
  const double err = relative_error(Runner(ov_model).run(x), model.forward(x));
  std::cout << "  [parity] " << arch << " at " << image_size << "x" << image_size << ", batch "
            << batch << ": " << err << "\n";
  return err;
}

}  // namespace

TEST(ResNetModel, Resnet50StateDictHasTorchvisionNamesAndShapes) {
  std::ifstream in(convert_test::fixtures() / "resnet50_state_dict.txt");
  ASSERT_TRUE(in);
  std::map<std::string, std::string> expected;  // name → "dtype shape"
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name, dtype, shape;
    fields >> name >> dtype >> shape;
    expected[name] = dtype + " " + shape;
  }
  ASSERT_EQ(expected.size(), 320u);

  auto model = torchvino::create_model({"resnet50", 3, 1000, 224});
  std::map<std::string, std::string> ours;
  auto dtype = [](const torch::Tensor& t) { return t.scalar_type() == torch::kLong ? "int64" : "float32"; };
  for (const auto& p : model.module().named_parameters()) ours[p.key()] = std::string(dtype(p.value())) + " " + shape_text(p.value());
  for (const auto& b : model.module().named_buffers()) ours[b.key()] = std::string(dtype(b.value())) + " " + shape_text(b.value());

  EXPECT_EQ(ours.size(), expected.size());
  for (const auto& [name, what] : expected) {
    auto it = ours.find(name);
    if (it == ours.end()) {
      ADD_FAILURE() << "missing " << name;
    } else {
      EXPECT_EQ(it->second, what) << name;
    }
  }
  for (const auto& [name, what] : ours) EXPECT_TRUE(expected.count(name)) << "extra " << name;
}

TEST(ResNetModel, ZooHasTheFamilyWithTorchvisionParameterCounts) {
  const auto names = torchvino::model_names();
  for (const std::string arch : {"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"})
    EXPECT_NE(std::find(names.begin(), names.end(), arch), names.end()) << arch;
  // torchvision's published sizes at 1000 classes.
  EXPECT_EQ(parameter_count(torchvino::create_model({"resnet18", 3, 1000, 224})), 11689512);
  EXPECT_EQ(parameter_count(torchvino::create_model({"resnet34", 3, 1000, 224})), 21797672);
  EXPECT_EQ(parameter_count(torchvino::create_model({"resnet101", 3, 1000, 224})), 44549160);
  EXPECT_EQ(parameter_count(torchvino::create_model({"resnet152", 3, 1000, 224})), 60192808);
}

TEST(ResNetModel, SmallInputStemKeepsNamesAndResolution) {
  auto small = torchvino::create_model({"resnet18", 1, 10, 32});
  auto params = small.module().named_parameters();
  EXPECT_EQ(params["conv1.weight"].sizes(), (c10::IntArrayRef{64, 1, 3, 3}));
  auto big = torchvino::create_model({"resnet18", 1, 10, 65});
  EXPECT_EQ(big.module().named_parameters()["conv1.weight"].sizes(), (c10::IntArrayRef{64, 1, 7, 7}));
  EXPECT_EQ(small.module().named_parameters().size(), big.module().named_parameters().size());
  torch::NoGradGuard no_grad;
  small.module().eval();
  EXPECT_EQ(small.forward(torch::randn({2, 1, 32, 32})).sizes(), (c10::IntArrayRef{2, 10}));
}

TEST(ResNetConversion, Resnet18At64MatchesLibTorch) {
  std::shared_ptr<ov::Model> ov_model;
  EXPECT_LE(check_parity("resnet18", 64, 2, &ov_model), 1e-4);
  auto ops = op_counts(*ov_model);
  EXPECT_EQ(ops["Convolution"], 20);  // stem + 16 in blocks + 3 downsample
  EXPECT_EQ(ops["Add"], 20 + 8 + 1);  // folded biases, residual sums, fc bias
  EXPECT_EQ(ops["Multiply"], 0);
  EXPECT_EQ(ops["ReduceMean"], 1);
  EXPECT_EQ(ops["MaxPool"], 0);       // small-input stem

  std::map<std::string, std::string> type_of;
  for (const auto& op : ov_model->get_ordered_ops()) type_of[op->get_friendly_name()] = op->get_type_name();
  EXPECT_EQ(type_of["conv1"], "Convolution");
  EXPECT_EQ(type_of["layer1.0.conv1"], "Convolution");
  EXPECT_EQ(type_of["layer2.0.downsample.0"], "Convolution");
  EXPECT_EQ(type_of["layer4.1/add"], "Add");
  EXPECT_EQ(type_of["fc"], "MatMul");
}

TEST(ResNetConversion, Resnet18WithTorchvisionStemAt96MatchesLibTorch) {
  std::shared_ptr<ov::Model> ov_model;
  EXPECT_LE(check_parity("resnet18", 96, 2, &ov_model), 1e-4);
  EXPECT_EQ(op_counts(*ov_model)["MaxPool"], 1);
}

TEST(ResNetConversion, Resnet50BottlenecksMatchLibTorch) {
  std::shared_ptr<ov::Model> ov_model;
  EXPECT_LE(check_parity("resnet50", 32, 2, &ov_model), 1e-4);
  auto ops = op_counts(*ov_model);
  EXPECT_EQ(ops["Convolution"], 53);  // stem + 48 in blocks + 4 downsample
  EXPECT_EQ(ops["Multiply"], 0);
}

// The zoo issue's target as a test: ImageNet shape (224×224, 1000 classes, torchvision stem),
// seeded random weights and BatchNorm statistics.
TEST(ResNetConversion, Resnet50At224MatchesLibTorch) {
  std::shared_ptr<ov::Model> ov_model;
  EXPECT_LE(check_parity("resnet50", 224, 2, &ov_model, 1000), 1e-4);
  EXPECT_EQ(op_counts(*ov_model)["MaxPool"], 1);
  EXPECT_EQ(ov_model->output().get_partial_shape()[1], 1000);
}

TEST(ResNetConversion, CheckpointRoundTripKeepsTheConversion) {
  convert_test::TempDir dir;
  auto model = random_resnet("resnet18", 32);
  torchvino::save_checkpoint(model, dir / "r18.pt");
  auto loaded = torchvino::load_checkpoint(dir / "r18.pt");
  loaded.module().eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({1, 3, 32, 32});
  EXPECT_LE(relative_error(Runner(torchvino::to_openvino(loaded)).run(x), model.forward(x)), 1e-4);
}
