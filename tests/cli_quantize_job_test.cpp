// POT-style YAML configs: a good file parses into the right options; every kind of mistake is an
// Error naming the file and the key path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"
#include "torchvino/error.hpp"
#include "cli/quantize_job.hpp"

namespace {

using torchvino::cli::parse_quantize_job;
using namespace torchvino;

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
  model_type: transformer
  smooth_quant_alpha: 0.5
  stat_subset_size: 200
  calibration_seed: 7
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

// The message parse_quantize_job throws for `yaml` ("" when it parses).
std::string error_of(const std::string& yaml) {
  try {
    parse_quantize_job(yaml, "cfg.yaml");
  } catch (const torchvino::Error& e) {
    return e.what();
  }
  return "";
}

TEST(QuantizeJob, CompleteFileSetsEveryOption) {
  const auto c = parse_quantize_job(kGood, "cfg.yaml");
  EXPECT_EQ(c.model, "runs/demo/fp32/convnet.xml");
  EXPECT_EQ(c.output, "runs/demo/int8/convnet.xml");
  EXPECT_EQ(c.dataset, "mnist");
  EXPECT_EQ(c.data_dir, "/usr/share/datasets/fashion-mnist");
  EXPECT_EQ(c.validation_limit, 1000);
  EXPECT_TRUE(c.accuracy_aware());
  EXPECT_EQ(c.quantize.preset, Preset::Mixed);
  EXPECT_EQ(c.quantize.model_type, ModelType::Transformer);
  EXPECT_EQ(c.quantize.smooth_quant_alpha, 0.5);
  EXPECT_EQ(c.quantize.subset_size, 200);
  EXPECT_EQ(c.quantize.calibration_seed, 7);
  EXPECT_EQ(c.quantize.range_estimator, RangeEstimator::MinMax);
  // NNCF's and POT's meaning: not fast = the full bias correction.
  EXPECT_EQ(c.quantize.bias_correction, BiasCorrection::Full);
  EXPECT_EQ(c.quantize.overflow_fix, OverflowFix::Enable);
  EXPECT_DOUBLE_EQ(c.control.max_drop, 0.005);
  EXPECT_EQ(c.control.ranking_subset, 150);
  EXPECT_EQ(c.control.max_iterations, 3);
  EXPECT_EQ(c.quantize.ignored_scope.names, (std::vector<std::string>{"conv1", "fc"}));
  EXPECT_EQ(c.quantize.ignored_scope.types, (std::vector<std::string>{"MatMul"}));
  EXPECT_EQ(c.quantize.ignored_scope.patterns, (std::vector<std::string>{"block2/.*"}));
}

TEST(QuantizeJob, DefaultsOfAMinimalFile) {
  const auto c = parse_quantize_job("model: {model: a.onnx}\n", "cfg.yaml");
  EXPECT_EQ(c.model, "a.onnx");
  EXPECT_TRUE(c.output.empty());
  EXPECT_EQ(c.algorithm, Algorithm::Default);
  EXPECT_EQ(c.dataset, "fashion-mnist");
  EXPECT_EQ(c.quantize.preset, Preset::Auto);  // performance for CNNs, mixed for transformers
  EXPECT_EQ(c.quantize.subset_size, 300);
  EXPECT_EQ(c.quantize.bias_correction, BiasCorrection::Fast);
  EXPECT_DOUBLE_EQ(c.control.max_drop, 0.01);
  // POT's own name for the drop.
  const auto pot = parse_quantize_job(
      "model: {model: a.xml}\ncompression: {algorithm: AccuracyAwareQuantization, maximal_drop: 0.02}\n", "cfg.yaml");
  EXPECT_DOUBLE_EQ(pot.control.max_drop, 0.02);
  EXPECT_EQ(parse_quantize_job("model: {model: a.xml}\ncompression: {subset_size: 64, bias_correction: none}\n", "c")
                .quantize.bias_correction,
            BiasCorrection::None);
  EXPECT_EQ(parse_quantize_job("model: {model: a.xml}\ncompression: {subset_size: 64}\n", "c").quantize.subset_size, 64);
}

// yaml-cpp keeps the first of two equal keys; the second, which a user may be editing, must not be
// silently ignored.
TEST(QuantizeJob, RepeatedKeysAndAliasesGivenTwice) {
  EXPECT_EQ(error_of("model: {model: a.xml}\ncompression: {preset: mixed, preset: performance}\n"),
            "cfg.yaml: compression.preset: given twice");
  EXPECT_EQ(error_of("model: {model: a.xml}\nmodel: {model: b.xml}\n"), "cfg.yaml: model: given twice");
  EXPECT_EQ(error_of("model: {model: a.xml}\ncompression: {subset_size: 1, stat_subset_size: 2}\n"),
            "cfg.yaml: compression.stat_subset_size: give subset_size or its POT name stat_subset_size, not both");
  EXPECT_EQ(error_of("model: {model: a.xml}\ncompression: {bias_correction: full, fast_bias_correction: true}\n"),
            "cfg.yaml: compression.fast_bias_correction: give bias_correction or fast_bias_correction, not both");
}

// The same limits as the flags (option_limits.hpp): what one accepts, the other accepts.
TEST(QuantizeJob, NumericLimitsAreTheFlagsLimits) {
  const std::string aa = "model: {model: a.xml}\ncompression: {algorithm: AccuracyAwareQuantization, ";
  EXPECT_EQ(error_of(aa + "max_drop: 1.0}\n"),
            "cfg.yaml: compression.max_drop: 1 must be in [0, 1) (a top-1 fraction: 0.01 = 1 point)");
  EXPECT_EQ(error_of(aa + "max_drop: .nan}\n"),
            "cfg.yaml: compression.max_drop: nan must be in [0, 1) (a top-1 fraction: 0.01 = 1 point)");
  EXPECT_EQ(error_of(aa + "max_drop: 0.999}\n"), "");
  EXPECT_EQ(error_of("model: {model: a.xml}\ncompression: {quantile: 0.5}\n"),
            "cfg.yaml: compression.quantile: 0.5 must be in (0, 0.5)");
  EXPECT_EQ(error_of("model: {model: a.xml}\ncompression: {subset_size: 0}\n"),
            "cfg.yaml: compression.subset_size: 0 must be at least 1");
}

TEST(QuantizeJob, UnknownKeysAreErrorsNamingTheirPath) {
  EXPECT_EQ(error_of("model: {model: a.xml}\nengin: {}\n"),
            "cfg.yaml: engin: unknown key (expected one of model, engine, compression)");
  EXPECT_EQ(error_of("model: {model: a.xml}\ncompression: {presett: mixed}\n").rfind(
                "cfg.yaml: compression.presett: unknown key", 0),
            0u);
  EXPECT_EQ(error_of("model: {model: a.xml}\ncompression: {ignored_scope: {name: [a]}}\n")
                .rfind("cfg.yaml: compression.ignored_scope.name: unknown key", 0),
            0u);
}

TEST(QuantizeJob, BadValuesAreErrorsNamingKeyAndAllowedValues) {
  const std::string m = "model: {model: a.xml}\n";
  EXPECT_EQ(error_of(m + "compression: {preset: fast}\n"),
            "cfg.yaml: compression.preset: 'fast' is not one of auto, performance, mixed");
  EXPECT_EQ(error_of(m + "compression: {algorithm: QuickQuantization}\n"),
            "cfg.yaml: compression.algorithm: 'QuickQuantization' is not one of DefaultQuantization, "
            "AccuracyAwareQuantization");
  EXPECT_EQ(error_of(m + "compression: {stat_subset_size: -5}\n"),
            "cfg.yaml: compression.subset_size: -5 must be at least 1");
  EXPECT_EQ(error_of(m + "compression: {calibration_seed: -1}\n"),
            "cfg.yaml: compression.calibration_seed: -1 must be at least 0");
  EXPECT_EQ(error_of(m + "compression: {stat_subset_size: many}\n"),
            "cfg.yaml: compression.subset_size: expected an integer, got 'many'");
  EXPECT_EQ(error_of(m + "compression: {overflow_fix: sometimes}\n"),
            "cfg.yaml: compression.overflow_fix: 'sometimes' is not one of auto, first_layer, enable, disable");
  EXPECT_EQ(error_of(m + "compression: {model_type: vit}\n"),
            "cfg.yaml: compression.model_type: 'vit' is not one of auto, cnn, transformer");
  EXPECT_EQ(parse_quantize_job(m, "cfg.yaml").quantize.model_type, ModelType::Auto);
  EXPECT_EQ(error_of(m + "compression: {smooth_quant_alpha: 2}\n").rfind(
                "cfg.yaml: compression.smooth_quant_alpha: 2 must be", 0),
            0u);
  EXPECT_EQ(error_of(m + "compression: {smooth_quant_alpha: -1}\n"), "");
  EXPECT_EQ(error_of(m + "compression: {bias_correction: slow}\n"),
            "cfg.yaml: compression.bias_correction: 'slow' is not one of fast, full, none");
  EXPECT_EQ(error_of(m + "engine: {metric: top5}\n"), "cfg.yaml: engine.metric: 'top5' is not one of accuracy");
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

TEST(QuantizeJob, MissingRequiredKeysAndBrokenYaml) {
  EXPECT_EQ(error_of("compression: {preset: mixed}\n").rfind("cfg.yaml: model: missing", 0), 0u);
  EXPECT_EQ(error_of("model: {output: b.xml}\n").rfind("cfg.yaml: model.model: missing", 0), 0u);
  EXPECT_EQ(error_of("").rfind("cfg.yaml: the file is empty", 0), 0u);
  EXPECT_EQ(error_of("model: {model: a.xml\n").rfind("cfg.yaml: not valid YAML at line", 0), 0u);
  EXPECT_EQ(error_of("- a\n- b\n").rfind("cfg.yaml: expected a map", 0), 0u);
}

TEST(QuantizeJob, LoadsFilesAndErrorsNameTheFile) {
  const auto dir = fresh_temp_dir("quantize_config");
  try {
    torchvino::cli::load_quantize_job(dir / "missing.yaml");
    FAIL() << "expected an error";
  } catch (const torchvino::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir / "missing.yaml").string() + ": cannot read", 0), 0u) << e.what();
  }
  EXPECT_THROW(torchvino::cli::load_quantize_job(dir), torchvino::Error);
  std::ofstream(dir / "good.yaml") << kGood;
  EXPECT_EQ(torchvino::cli::load_quantize_job(dir / "good.yaml").quantize.subset_size, 200);
  std::ofstream(dir / "bad.yaml") << "model: {model: a.xml}\ncompression: {preset: fast}\n";
  try {
    torchvino::cli::load_quantize_job(dir / "bad.yaml");
    FAIL() << "expected an error";
  } catch (const torchvino::Error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "bad.yaml").string() + ": compression.preset: 'fast' is not one of auto, performance, mixed");
  }
  std::filesystem::remove_all(dir);
}

TEST(QuantizeJob, ShippedExamplesLoad) {
  for (const char* name : {"convnet_default.yaml", "convnet_accuracy_aware.yaml"}) {
    const auto file = std::filesystem::path(TORCHVINO_SOURCE_DIR) / "examples" / name;
    EXPECT_NO_THROW(torchvino::cli::load_quantize_job(file)) << file;
  }
  EXPECT_TRUE(torchvino::cli::load_quantize_job(std::filesystem::path(TORCHVINO_SOURCE_DIR) / "examples" /
                                              "convnet_accuracy_aware.yaml")
                  .accuracy_aware());
}

}  // namespace
