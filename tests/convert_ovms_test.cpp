// The OpenVINO Model Server repository export: layout and config.json as OVMS documents them
// (docs/parameters.md and the config schema of the model server), and the exported model loaded
// from the paths config.json gives, fed raw uint8 NHWC images as an OVMS client sends them.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <openvino/openvino.hpp>
#include <set>
#include <string>

#include "cli_runner.hpp"
#include "test_paths.hpp"
#include "test_support.hpp"
#include "torchvino/classifier.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/ir_metadata.hpp"
#include "torchvino/data.hpp"
#include "torchvino/error.hpp"
#include "torchvino/models.hpp"
#include "torchvino/ovms_export.hpp"
#include "torchvino/runtime.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::read_bytes;
using test_support::TempDir;
using test_support::write_string;
using torchvino::Error;

namespace {

// Keys OVMS's config schema allows in a model's "config" (it refuses any other).
const std::set<std::string> kOvmsConfigKeys = {
    "name",  "base_path", "batch_size",    "model_version_policy", "shape",   "nireq",
    "target_device", "plugin_config", "stateful", "idle_sequence_cleanup", "low_latency_transformation",
    "max_sequence_number", "custom_loader_options", "layout"};

struct Exported {
  torchvino::Model model;
  torchvino::Preprocessing preprocessing;
};

Exported export_convnet(const fs::path& dir, const torchvino::OvmsExportOptions& options) {
  torch::manual_seed(3);
  Exported e{torchvino::create_model({}), torchvino::default_preprocessing("fashion-mnist")};
  e.model.module().eval();
  torchvino::export_ovms(torchvino::to_openvino(e.model), e.preprocessing, {28, 28, 1}, dir, options);
  return e;
}

json read_json(const fs::path& file) { return json::parse(read_bytes(file)); }

using test_support::error_of;

}  // namespace

TEST(OvmsExport, WritesTheRepositoryLayoutAndConfigOvmsDocuments) {
  TempDir dir("ovms_layout");
  torchvino::OvmsExportOptions options;
  options.name = "fashion";
  options.version = 3;
  options.batch = 2;
  options.streams = 2;
  export_convnet(dir.path(), options);

  EXPECT_TRUE(fs::is_regular_file(dir / "fashion/3/model.xml"));
  EXPECT_TRUE(fs::is_regular_file(dir / "fashion/3/model.bin"));
  const json config = read_json(dir / "config.json");
  ASSERT_TRUE(config.is_object());
  EXPECT_EQ(config.size(), 1u);
  ASSERT_TRUE(config["model_config_list"].is_array());
  ASSERT_EQ(config["model_config_list"].size(), 1u);
  const json& entry = config["model_config_list"][0];
  EXPECT_EQ(entry.size(), 1u);
  const json& c = entry.at("config");
  for (const auto& [key, value] : c.items()) EXPECT_TRUE(kOvmsConfigKeys.contains(key)) << key;
  EXPECT_EQ(c.at("name"), "fashion");
  EXPECT_EQ(c.at("base_path"), "fashion");
  EXPECT_EQ(c.at("target_device"), "CPU");
  EXPECT_EQ(c.at("batch_size"), 2);
  const json& plugin = c.at("plugin_config");
  EXPECT_EQ(plugin.at("PERFORMANCE_HINT"), "THROUGHPUT");
  EXPECT_EQ(plugin.at("NUM_STREAMS"), "2");
  EXPECT_EQ(plugin.at("INFERENCE_PRECISION_HINT"), "f32");
}

TEST(OvmsExport, ModelLoadsFromTheConfiguredPathAndTakesRawUint8Nhwc) {
  TempDir dir("ovms_load");
  torchvino::OvmsExportOptions options;
  options.name = "fashion";
  options.batch = 2;
  options.streams = 2;
  Exported e = export_convnet(dir.path(), options);

  // What OVMS does: base_path relative to config.json, then the version folder.
  const json c = read_json(dir / "config.json")["model_config_list"][0]["config"];
  const fs::path xml = dir.path() / c["base_path"].get<std::string>() / "1" / "model.xml";
  auto model = torchvino::openvino_core().read_model(xml.string());
  ASSERT_EQ(model->inputs().size(), 1u);
  EXPECT_EQ(model->input().get_element_type(), ov::element::u8);
  EXPECT_EQ(model->input().get_partial_shape(), ov::PartialShape({2, 28, 28, 1}));

  ov::AnyMap plugin_config;
  for (const auto& [key, value] : c["plugin_config"].items()) plugin_config[key] = value.get<std::string>();
  ov::CompiledModel compiled = torchvino::openvino_core().compile_model(model, c["target_device"].get<std::string>(), plugin_config);
  EXPECT_EQ(compiled.get_property(ov::num_streams).num, 2);
  EXPECT_EQ(compiled.get_property(ov::hint::performance_mode), ov::hint::PerformanceMode::THROUGHPUT);

  auto images = torch::randint(0, 256, {2, 28, 28, 1}, torch::kUInt8);
  ov::InferRequest request = compiled.create_infer_request();
  request.set_input_tensor(ov::Tensor(ov::element::u8, {2, 28, 28, 1}, images.data_ptr<uint8_t>()));
  request.infer();
  ov::Tensor out = request.get_output_tensor();
  ASSERT_EQ(out.get_shape(), ov::Shape({2, 10}));
  const auto served = torch::from_blob(out.data<float>(), {2, 10}, torch::kFloat).clone();

  torch::NoGradGuard no_grad;
  const auto expected = e.model.forward(torchvino::preprocess_batch(images.permute({0, 3, 1, 2}).contiguous(), e.preprocessing));
  EXPECT_LT((served - expected).abs().max().item<float>(), 1e-3) << served << expected;
}

TEST(OvmsExport, AnExistingConfigKeepsItsOtherModels) {
  TempDir dir("ovms_merge");
  torchvino::OvmsExportOptions options;
  options.name = "a";
  export_convnet(dir.path(), options);
  options.name = "b";
  export_convnet(dir.path(), options);
  options.version = 2;  // a new version of b replaces b's entry
  export_convnet(dir.path(), options);
  const json list = read_json(dir / "config.json")["model_config_list"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["config"]["name"], "a");
  EXPECT_EQ(list[1]["config"]["name"], "b");
  EXPECT_TRUE(fs::exists(dir / "b/1/model.xml"));
  EXPECT_TRUE(fs::exists(dir / "b/2/model.xml"));
}

TEST(OvmsExport, BadOptionsAndConfigsAreErrorsNamingThem) {
  TempDir dir("ovms_bad");
  torchvino::OvmsExportOptions options;
  options.name = "../escape";
  EXPECT_NE(error_of([&] { export_convnet(dir.path(), options); }).find("name: '../escape'"),
            std::string::npos);
  try {
    export_convnet(dir.path(), options);
  } catch (const torchvino::Error& e) {
    EXPECT_EQ(e.option(), "name");  // the field: the CLI names its own flag for it
  }
  options.name = "ok";
  options.version = 0;
  EXPECT_NE(error_of([&] { export_convnet(dir.path(), options); }).find("version: 0"), std::string::npos);
  options.version = 1;
  write_string(dir / "config.json", "{\"model_config_list\": [");
  EXPECT_NE(error_of([&] { export_convnet(dir.path(), options); }).find("config.json: not valid JSON"),
            std::string::npos);
  write_string(dir / "config.json", "{\"models\": []}");
  EXPECT_NE(error_of([&] { export_convnet(dir.path(), options); }).find("config.json: not an OVMS config"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "ok"));
}

TEST(OvmsExportCli, ExportsAnIrAndInfoShowsItsMetadata) {
  TempDir dir("ovms_cli");
  torch::manual_seed(3);
  torchvino::Model model = torchvino::create_model({});
  torchvino::save_ir(torchvino::to_openvino(model), dir / "convnet.xml");

  const CliResult exported = run_cli(
      fmt::format("export {} --ovms {} --name fashion --version 2", (dir / "convnet.xml").string(),
                  (dir / "repo").string()));
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_TRUE(fs::exists(dir / "repo/fashion/2/model.xml"));
  EXPECT_EQ(read_json(dir / "repo/config.json")["model_config_list"][0]["config"]["name"], "fashion");

  const CliResult info = run_cli("info " + (dir / "repo/fashion/2/model.xml").string());
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("input input: u8 [1,28,28,1]"), std::string::npos) << info.output;
  EXPECT_NE(info.output.find("ovms.name: fashion"), std::string::npos) << info.output;
  EXPECT_NE(info.output.find("ovms.version: 2"), std::string::npos) << info.output;

  // The exported input spec is the raw image; the converted IR's is the float tensor.
  EXPECT_NE(info.output.find("input.layout: NHWC"), std::string::npos) << info.output;
  EXPECT_NE(info.output.find("input.preprocessing_baked: true"), std::string::npos) << info.output;
  const CliResult converted = run_cli("info " + (dir / "convnet.xml").string());
  EXPECT_EQ(converted.exit_code, 0) << converted.output;
  EXPECT_NE(converted.output.find("input.layout: NCHW"), std::string::npos) << converted.output;

  auto bare = torchvino::to_openvino(model);
  bare->get_rt_info().erase("torchvino");
  torchvino::save_ir(bare, dir / "bare.xml");
  const CliResult plain = run_cli("info " + (dir / "bare.xml").string());
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(plain.output.find("no torchvino metadata"), std::string::npos) << plain.output;

  const CliResult bad = run_cli(fmt::format("export {} --ovms {} --version 0",
                                            (dir / "convnet.xml").string(), (dir / "repo").string()));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--version"), std::string::npos) << bad.output;
  const CliResult missing = run_cli("export " + (dir / "absent.xml").string() + " --ovms " + (dir / "repo").string());
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("absent.xml"), std::string::npos) << missing.output;
}

// Without --dataset, the normalisation baked in is the model's own (its torchvino.input
// metadata): the exported uint8 model classifies a frame as the float model does. --dataset
// overrides it; a model already baked is refused.
TEST(OvmsExportCli, BakesTheNormalisationTheModelsMetadataRecords) {
  TempDir dir("ovms_metadata");
  torch::manual_seed(5);
  torchvino::Model model = torchvino::create_model({});
  auto ir = torchvino::to_openvino(model);
  torchvino::IrMetadata metadata;
  metadata.input = {.height = 28, .width = 28, .channels = 1, .layout = "NCHW", .mean = {0.5f}, .std = {0.25f}};
  torchvino::write_ir_metadata(*ir, metadata);
  torchvino::save_ir(ir, dir / "convnet.xml");

  const CliResult own = run_cli(fmt::format("export {} --ovms {} --name own", (dir / "convnet.xml").string(),
                                            (dir / "repo").string()));
  ASSERT_EQ(own.exit_code, 0) << own.output;
  EXPECT_NE(own.output.find("normalisation from the model's metadata"), std::string::npos) << own.output;
  const CliResult fashion = run_cli(fmt::format("export {} --ovms {} --name fashion --dataset fashion-mnist",
                                                (dir / "convnet.xml").string(), (dir / "repo").string()));
  ASSERT_EQ(fashion.exit_code, 0) << fashion.output;

  std::vector<uint8_t> pixels(28 * 28);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>((i * 37) % 256);
  const torchvino::ImageView frame{pixels.data(), 28, 28, 1};
  const auto probability_of_class = [&](const fs::path& file) {
    torchvino::Classifier c(file, {.top_k = 10, .run = {.threads = 1}});
    std::vector<float> p(10);
    for (const auto& prediction : c.classify(frame)) p[static_cast<size_t>(prediction.index)] = prediction.probability;
    return p;
  };
  const auto reference = probability_of_class(dir / "convnet.xml");
  const auto baked = probability_of_class(dir / "repo/own/1/model.xml");
  const auto other = probability_of_class(dir / "repo/fashion/1/model.xml");
  float own_diff = 0, other_diff = 0;
  for (size_t k = 0; k < 10; ++k) {
    own_diff = std::max(own_diff, std::abs(baked[k] - reference[k]));
    other_diff = std::max(other_diff, std::abs(other[k] - reference[k]));
  }
  EXPECT_LT(own_diff, 1e-4f);
  EXPECT_GT(other_diff, 10 * own_diff + 1e-4f) << "Fashion-MNIST's mean/std should change the result";

  const CliResult again = run_cli(fmt::format("export {} --ovms {}", (dir / "repo/own/1/model.xml").string(),
                                              (dir / "repo2").string()));
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("already baked"), std::string::npos) << again.output;
}
