// save_ir / read_model_file / model_size_bytes / precision names.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <openvino/op/op.hpp>
#include <openvino/op/relu.hpp>

#include "convert_support.hpp"
#include "test_support.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/models.hpp"

namespace fs = std::filesystem;
using convert_test::relative_error;
using convert_test::Runner;
using convert_test::TempDir;
using torchvino::Precision;

namespace {

torchvino::Model random_convnet() {
  torch::manual_seed(11);
  auto model = torchvino::create_model({"convnet", 1, 10, 28});
  convert_test::randomise_batchnorm(model.module());
  model.module().eval();
  return model;
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write(const fs::path& file, const std::string& content) {
  std::ofstream(file, std::ios::binary) << content;
}

// Throws while the serializer walks the graph, i.e. in the middle of writing the IR.
class ExplodingOp : public ov::op::Op {
 public:
  OPENVINO_OP("ExplodingOp", "torchvino_test");
  ExplodingOp() = default;
  explicit ExplodingOp(const ov::Output<ov::Node>& x) : Op({x}) { constructor_validate_and_infer_types(); }
  void validate_and_infer_types() override {
    set_output_type(0, get_input_element_type(0), get_input_partial_shape(0));
  }
  std::shared_ptr<ov::Node> clone_with_new_inputs(const ov::OutputVector& args) const override {
    return std::make_shared<ExplodingOp>(args.at(0));
  }
  bool visit_attributes(ov::AttributeVisitor&) override {
    throw std::runtime_error("injected serialization failure");
  }
};

using test_support::error_of;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(Precision, ParsesAndPrints) {
  EXPECT_EQ(torchvino::parse<Precision>("fp32"), Precision::FP32);
  EXPECT_EQ(torchvino::parse<Precision>("fp16"), Precision::FP16);
  EXPECT_EQ(torchvino::to_string(Precision::FP16), "fp16");
  EXPECT_EQ(torchvino::to_string(Precision::FP32), "fp32");
  EXPECT_EQ(error_of([] { torchvino::parse<Precision>("int8"); }), "unknown precision 'int8' (known: fp32, fp16)");
}

TEST(SaveIr, Fp32RoundTripsExactlyAndFp16HalvesTheWeights) {
  TempDir dir;
  auto model = random_convnet();
  auto ov_model = torchvino::to_openvino(model);
  torchvino::save_ir(ov_model, dir / "fp16.xml", Precision::FP16);
  torchvino::save_ir(ov_model, dir / "fp32.xml", Precision::FP32);  // after FP16: model unchanged

  const auto bin32 = fs::file_size(dir / "fp32.bin"), bin16 = fs::file_size(dir / "fp16.bin");
  const double ratio = double(bin16) / double(bin32);
  std::cout << "  [size] fp32 .bin " << bin32 << " B, fp16 .bin " << bin16 << " B, ratio " << ratio << "\n";
  EXPECT_GT(bin32, 28000u * 4);  // ~29k float parameters
  EXPECT_NEAR(ratio, 0.5, 0.02);
  EXPECT_EQ(torchvino::model_size_bytes(dir / "fp32.xml"),
            fs::file_size(dir / "fp32.xml") + fs::file_size(dir / "fp32.bin"));
  EXPECT_EQ(torchvino::model_size_bytes(dir / "fp32.bin"), bin32);

  torch::NoGradGuard no_grad;
  const auto x = torch::randn({64, 1, 28, 28});
  const auto expected = model.forward(x);
  auto fp32 = torchvino::read_model_file(dir / "fp32.xml");
  EXPECT_EQ(fp32->input().get_any_name(), "input");
  EXPECT_EQ(fp32->output().get_any_name(), "logits");
  EXPECT_TRUE(fp32->input().get_partial_shape()[0].is_dynamic());
  EXPECT_LE(relative_error(Runner(fp32).run(x), Runner(ov_model).run(x)), 1e-6);

  const auto got16 = Runner(torchvino::read_model_file(dir / "fp16.xml")).run(x);
  const double agree = (got16.argmax(1) == expected.argmax(1)).to(torch::kDouble).mean().item<double>();
  const double err16 = relative_error(got16, expected);
  std::cout << "  [parity] FP16 IR: relative error " << err16 << ", argmax agreement " << agree << "\n";
  EXPECT_GE(agree, 0.98);
  EXPECT_LE(err16, 1e-2);
}

TEST(SaveIr, AFailureInTheMiddleLeavesTheExistingIrIntact) {
  TempDir dir;
  const auto xml = dir / "model.xml", bin = dir / "model.bin";
  torchvino::save_ir(torchvino::to_openvino(random_convnet()), xml);
  const auto good_xml = slurp(xml), good_bin = slurp(bin);

  auto input = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 4});
  auto boom = std::make_shared<ExplodingOp>(std::make_shared<ov::op::v0::Relu>(input));
  auto bad = std::make_shared<ov::Model>(ov::OutputVector{boom}, ov::ParameterVector{input});
  const auto msg = error_of([&] { torchvino::save_ir(bad, xml); });
  EXPECT_TRUE(contains(msg, xml.string())) << msg;
  EXPECT_TRUE(contains(msg, "injected serialization failure")) << msg;

  EXPECT_EQ(slurp(xml), good_xml);
  EXPECT_EQ(slurp(bin), good_bin);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2u) << "no temporaries left behind";
  EXPECT_NO_THROW(torchvino::read_model_file(xml));
}

TEST(SaveIr, TargetThatIsADirectoryIsRefusedAndLeftAlone) {
  TempDir dir;
  fs::create_directories(dir / "model.xml" / "inside");
  const auto msg = error_of([&] { torchvino::save_ir(torchvino::to_openvino(random_convnet()), dir / "model.xml"); });
  EXPECT_TRUE(contains(msg, "model.xml")) << msg;
  EXPECT_TRUE(fs::is_directory(dir / "model.xml" / "inside"));
  EXPECT_FALSE(fs::exists(dir / "model.bin"));
}

TEST(SaveIr, UnwritableFolderIsAnErrorNamingTheFile) {
  TempDir dir;
  write(dir / "not_a_folder", "x");  // even root cannot create a folder below a file
  const auto target = dir / "not_a_folder" / "model.xml";
  const auto msg = error_of([&] { torchvino::save_ir(torchvino::to_openvino(random_convnet()), target); });
  EXPECT_TRUE(contains(msg, target.string())) << msg;
}

TEST(SaveIr, RequiresXmlExtension) {
  TempDir dir;
  const auto msg = error_of([&] { torchvino::save_ir(torchvino::to_openvino(random_convnet()), dir / "model.ir"); });
  EXPECT_TRUE(contains(msg, ".xml")) << msg;
}

TEST(ReadModelFile, MissingCorruptAndUnknownFilesAreErrorsNamingTheFile) {
  TempDir dir;
  const auto missing = dir / "missing.xml";
  auto msg = error_of([&] { torchvino::read_model_file(missing); });
  EXPECT_TRUE(contains(msg, missing.string()) && contains(msg, "not found")) << msg;

  write(dir / "corrupt.xml", "<?xml version=\"1.0\"?>\n<net name=\"x\" version=\"11\"><layers><layer id=");
  write(dir / "corrupt.bin", std::string(16, '\0'));
  msg = error_of([&] { torchvino::read_model_file(dir / "corrupt.xml"); });
  EXPECT_TRUE(contains(msg, (dir / "corrupt.xml").string())) << msg;
  std::cout << "  [message] " << msg << "\n";

  write(dir / "corrupt.onnx", "definitely not protobuf");
  msg = error_of([&] { torchvino::read_model_file(dir / "corrupt.onnx"); });
  EXPECT_TRUE(contains(msg, (dir / "corrupt.onnx").string())) << msg;
  std::cout << "  [message] " << msg << "\n";

  write(dir / "model.pt", "x");
  msg = error_of([&] { torchvino::read_model_file(dir / "model.pt"); });
  EXPECT_TRUE(contains(msg, "model.pt") && contains(msg, "'.pt'")) << msg;

  torchvino::save_ir(torchvino::to_openvino(random_convnet()), dir / "nobin.xml");
  fs::remove(dir / "nobin.bin");
  msg = error_of([&] { torchvino::read_model_file(dir / "nobin.xml"); });
  EXPECT_TRUE(contains(msg, "nobin.bin")) << msg;

  msg = error_of([&] { torchvino::model_size_bytes(missing); });
  EXPECT_TRUE(contains(msg, missing.string())) << msg;
}
