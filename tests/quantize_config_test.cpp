// POT-style YAML configs: a good file parses into the right options; every kind of mistake is an
// Error naming the file and the key path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"
#include "torchvino/error.hpp"
#include "torchvino/quantize_config.hpp"

namespace {

using torchvino::parse_quantize_config;

const char* kGood = R"(
model:
  model: runs/demo/fp32/convnet.xml      # IR or ONNX
  output: runs/demo/int8/convnet.xml
engine:
  dataset: mnist
  data_dir: /usr/share/datasets/fashion-mnist
  metric: accuracy
  validation_limit: 1000
compression:
  algorithm: AccuracyAwareQuantization
  preset: mixed
  stat_subset_size: 200
  range_estimator: minmax
  fast_bias_correction: false
  overflow_fix: enable
  max_drop: 0.005
  ranking_subset_size: 150
  max_iterations: 3
  ignored_scope:
    names: [conv1, fc]
    types: [MatMul]
    patterns: ['block2/.*']
)";

// The message parse_quantize_config throws for `yaml` ("" when it parses).
std::string error_of(const std::string& yaml) {
  try {
    parse_quantize_config(yaml, "cfg.yaml");
  } catch (const torchvino::Error& e) {
    return e.what();
  }
  return "";
}

TEST(QuantizeConfig, CompleteFileSetsEveryOption) {
  const auto c = parse_quantize_config(kGood, "cfg.yaml");
  EXPECT_EQ(c.model, "runs/demo/fp32/convnet.xml");
  EXPECT_EQ(c.output, "runs/demo/int8/convnet.xml");
  EXPECT_EQ(c.dataset, "mnist");
  EXPECT_EQ(c.data_dir, "/usr/share/datasets/fashion-mnist");
  EXPECT_EQ(c.validation_limit, 1000);
  EXPECT_TRUE(c.accuracy_aware());
  EXPECT_EQ(c.quantize.preset, "mixed");
  EXPECT_EQ(c.quantize.subset_size, 200);
  EXPECT_EQ(c.quantize.range_estimator, "minmax");
  EXPECT_FALSE(c.quantize.fast_bias_correction);
  EXPECT_EQ(c.quantize.overflow_fix, "enable");
  EXPECT_DOUBLE_EQ(c.control.max_drop, 0.005);
  EXPECT_EQ(c.control.ranking_subset, 150);
  EXPECT_EQ(c.control.max_iterations, 3);
  EXPECT_EQ(c.quantize.ignored_scope.names, (std::vector<std::string>{"conv1", "fc"}));
  EXPECT_EQ(c.quantize.ignored_scope.types, (std::vector<std::string>{"MatMul"}));
  EXPECT_EQ(c.quantize.ignored_scope.patterns, (std::vector<std::string>{"block2/.*"}));
}

TEST(QuantizeConfig, DefaultsOfAMinimalFile) {
  const auto c = parse_quantize_config("model: {model: a.onnx}\n", "cfg.yaml");
  EXPECT_EQ(c.model, "a.onnx");
  EXPECT_TRUE(c.output.empty());
  EXPECT_EQ(c.algorithm, "DefaultQuantization");
  EXPECT_EQ(c.dataset, "fashion-mnist");
  EXPECT_EQ(c.quantize.preset, "performance");
  EXPECT_EQ(c.quantize.subset_size, 300);
  EXPECT_TRUE(c.quantize.fast_bias_correction);
  EXPECT_DOUBLE_EQ(c.control.max_drop, 0.01);
  // POT's own name for the drop.
  const auto pot = parse_quantize_config(
      "model: {model: a.xml}\ncompression: {algorithm: AccuracyAwareQuantization, maximal_drop: 0.02}\n", "cfg.yaml");
  EXPECT_DOUBLE_EQ(pot.control.max_drop, 0.02);
}

TEST(QuantizeConfig, UnknownKeysAreErrorsNamingTheirPath) {
  EXPECT_EQ(error_of("model: {model: a.xml}\nengin: {}\n"),
            "cfg.yaml: engin: unknown key (expected one of model, engine, compression)");
  EXPECT_EQ(error_of("model: {model: a.xml}\ncompression: {presett: mixed}\n").rfind(
                "cfg.yaml: compression.presett: unknown key", 0),
            0u);
  EXPECT_EQ(error_of("model: {model: a.xml}\ncompression: {ignored_scope: {name: [a]}}\n")
                .rfind("cfg.yaml: compression.ignored_scope.name: unknown key", 0),
            0u);
}

TEST(QuantizeConfig, BadValuesAreErrorsNamingKeyAndAllowedValues) {
  const std::string m = "model: {model: a.xml}\n";
  EXPECT_EQ(error_of(m + "compression: {preset: fast}\n"),
            "cfg.yaml: compression.preset: 'fast' is not one of performance, mixed");
  EXPECT_EQ(error_of(m + "compression: {algorithm: QuickQuantization}\n"),
            "cfg.yaml: compression.algorithm: 'QuickQuantization' is not one of DefaultQuantization, "
            "AccuracyAwareQuantization");
  EXPECT_EQ(error_of(m + "compression: {stat_subset_size: -5}\n"),
            "cfg.yaml: compression.stat_subset_size: -5 must be at least 1");
  EXPECT_EQ(error_of(m + "compression: {stat_subset_size: many}\n"),
            "cfg.yaml: compression.stat_subset_size: expected an integer, got 'many'");
  EXPECT_EQ(error_of(m + "compression: {overflow_fix: sometimes}\n"),
            "cfg.yaml: compression.overflow_fix: 'sometimes' is not one of auto, first_layer, enable, disable");
  EXPECT_EQ(error_of(m + "compression: {fast_bias_correction: maybe}\n"),
            "cfg.yaml: compression.fast_bias_correction: expected true or false, got 'maybe'");
  EXPECT_EQ(error_of(m + "compression: {preset: [a, b]}\n"), "cfg.yaml: compression.preset: expected a string, got a list");
  EXPECT_EQ(error_of(m + "compression: {algorithm: AccuracyAwareQuantization, max_drop: -0.1}\n").rfind(
                "cfg.yaml: compression.max_drop: -0.1 must be in [0, 1)", 0),
            0u);
  EXPECT_EQ(error_of(m + "compression: {max_drop: 0.01}\n")
                .rfind("cfg.yaml: compression.max_drop: only applies to algorithm AccuracyAwareQuantization", 0),
            0u);
  EXPECT_EQ(error_of(m + "engine: {dataset: imagenet}\n").rfind("cfg.yaml: engine.dataset: 'imagenet' is not one of", 0),
            0u);
  EXPECT_EQ(error_of(m + "compression: {ignored_scope: {names: conv1}}\n"),
            "cfg.yaml: compression.ignored_scope.names: expected a list of strings, got 'conv1'");
  EXPECT_EQ(error_of(m + "compression: {ignored_scope: {names: [a, [b]]}}\n"),
            "cfg.yaml: compression.ignored_scope.names[1]: expected a string, got a list");
  EXPECT_EQ(error_of("model: {model: a.xml, output: b.bin}\n"), "cfg.yaml: model.output: 'b.bin' must end in .xml");
  EXPECT_EQ(error_of("model: [a.xml]\n").rfind("cfg.yaml: model: expected a map", 0), 0u);
}

TEST(QuantizeConfig, MissingRequiredKeysAndBrokenYaml) {
  EXPECT_EQ(error_of("compression: {preset: mixed}\n").rfind("cfg.yaml: model: missing", 0), 0u);
  EXPECT_EQ(error_of("model: {output: b.xml}\n").rfind("cfg.yaml: model.model: missing", 0), 0u);
  EXPECT_EQ(error_of("").rfind("cfg.yaml: the file is empty", 0), 0u);
  EXPECT_EQ(error_of("model: {model: a.xml\n").rfind("cfg.yaml: not valid YAML at line", 0), 0u);
  EXPECT_EQ(error_of("- a\n- b\n").rfind("cfg.yaml: expected a map", 0), 0u);
}

TEST(QuantizeConfig, LoadsFilesAndErrorsNameTheFile) {
  const auto dir = fresh_temp_dir("quantize_config");
  try {
    torchvino::load_quantize_config(dir / "missing.yaml");
    FAIL() << "expected an error";
  } catch (const torchvino::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir / "missing.yaml").string() + ": cannot read", 0), 0u) << e.what();
  }
  EXPECT_THROW(torchvino::load_quantize_config(dir), torchvino::Error);
  std::ofstream(dir / "good.yaml") << kGood;
  EXPECT_EQ(torchvino::load_quantize_config(dir / "good.yaml").quantize.subset_size, 200);
  std::ofstream(dir / "bad.yaml") << "model: {model: a.xml}\ncompression: {preset: fast}\n";
  try {
    torchvino::load_quantize_config(dir / "bad.yaml");
    FAIL() << "expected an error";
  } catch (const torchvino::Error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "bad.yaml").string() + ": compression.preset: 'fast' is not one of performance, mixed");
  }
  std::filesystem::remove_all(dir);
}

TEST(QuantizeConfig, ShippedExamplesLoad) {
  for (const char* name : {"convnet_default.yaml", "convnet_accuracy_aware.yaml"}) {
    const auto file = std::filesystem::path(TORCHVINO_SOURCE_DIR) / "examples" / name;
    EXPECT_NO_THROW(torchvino::load_quantize_config(file)) << file;
  }
  EXPECT_TRUE(torchvino::load_quantize_config(std::filesystem::path(TORCHVINO_SOURCE_DIR) / "examples" /
                                              "convnet_accuracy_aware.yaml")
                  .accuracy_aware());
}

}  // namespace
