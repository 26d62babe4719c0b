// POT-style YAML quantization configs: strict parsing, every error names the file and key path.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "torchvino/error.hpp"
#include "torchvino/quantize_config.hpp"

namespace torchvino {
namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
    throw Error(source_ + ": " + (path.empty() ? "" : path + ": ") + problem);
  }

  static std::string kind(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Map: return "a map";
      case YAML::NodeType::Sequence: return "a list";
      case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
      default: return "nothing";
    }
  }

  // A map whose keys are all among `allowed`.
  void map(const YAML::Node& node, const std::string& path, const std::vector<std::string>& allowed) const {
    if (!node.IsMap()) fail(path, "expected a map of " + join(allowed) + ", got " + kind(node));
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) fail(path, "keys must be plain names");
      const std::string key = entry.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        fail(path.empty() ? key : path + "." + key, "unknown key (expected one of " + join(allowed) + ")");
    }
  }

  std::string string(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) fail(path, "expected a string, got " + kind(node));
    return node.Scalar();
  }

  std::string one_of(const YAML::Node& node, const std::string& path, const std::vector<std::string>& values) const {
    const std::string value = string(node, path);
    if (std::find(values.begin(), values.end(), value) == values.end())
      fail(path, "'" + value + "' is not one of " + join(values));
    return value;
  }

  int64_t integer(const YAML::Node& node, const std::string& path, int64_t min) const {
    int64_t value = 0;
    if (!node.IsScalar() || !YAML::convert<int64_t>::decode(node, value))
      fail(path, "expected an integer, got " + kind(node));
    if (value < min) fail(path, std::to_string(value) + " must be at least " + std::to_string(min));
    return value;
  }

  double number(const YAML::Node& node, const std::string& path) const {
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value))
      fail(path, "expected a number, got " + kind(node));
    return value;
  }

  bool boolean(const YAML::Node& node, const std::string& path) const {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value))
      fail(path, "expected true or false, got " + kind(node));
    return value;
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& path) const {
    if (!node.IsSequence()) fail(path, "expected a list of strings, got " + kind(node));
    std::vector<std::string> out;
    for (size_t i = 0; i < node.size(); ++i) out.push_back(string(node[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }

 private:
  std::string source_;
};

}  // namespace

QuantizeConfig parse_quantize_config(const std::string& yaml, const std::string& source) {
  const Reader r(source);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    r.fail("", "not valid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                   std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!root.IsDefined() || root.IsNull()) r.fail("", "the file is empty (expected model, engine and compression)");
  r.map(root, "", {"model", "engine", "compression"});

  QuantizeConfig config;
  config.source = source;

  if (!root["model"]) r.fail("model", "missing (required: model.model, the FP32 IR or ONNX file)");
  const YAML::Node model = root["model"];
  r.map(model, "model", {"model", "output", "name"});
  if (!model["model"]) r.fail("model.model", "missing (required: the FP32 IR .xml or .onnx file)");
  config.model = r.string(model["model"], "model.model");
  if (config.model.empty()) r.fail("model.model", "must not be empty");
  if (model["output"]) {
    config.output = r.string(model["output"], "model.output");
    if (config.output.extension() != ".xml") r.fail("model.output", "'" + config.output.string() + "' must end in .xml");
  }
  if (model["name"]) r.string(model["name"], "model.name");  // POT's model name: accepted, unused

  if (const YAML::Node engine = root["engine"]) {
    r.map(engine, "engine", {"dataset", "data_dir", "metric", "validation_limit"});
    if (engine["dataset"]) config.dataset = r.one_of(engine["dataset"], "engine.dataset", dataset_names());
    if (engine["data_dir"]) config.data_dir = r.string(engine["data_dir"], "engine.data_dir");
    if (engine["metric"]) config.metric = r.one_of(engine["metric"], "engine.metric", {"accuracy"});
    if (engine["validation_limit"])
      config.validation_limit = r.integer(engine["validation_limit"], "engine.validation_limit", 0);
  }
  config.control.metric = config.metric;

  if (const YAML::Node c = root["compression"]) {
    r.map(c, "compression",
          {"algorithm", "preset", "stat_subset_size", "range_estimator", "quantile", "fast_bias_correction",
           "overflow_fix",
           "max_drop", "maximal_drop", "ranking_subset_size", "max_iterations", "ignored_scope"});
    if (c["algorithm"])
      config.algorithm =
          r.one_of(c["algorithm"], "compression.algorithm", {"DefaultQuantization", "AccuracyAwareQuantization"});
    auto& q = config.quantize;
    if (c["preset"]) q.preset = r.one_of(c["preset"], "compression.preset", {"performance", "mixed"});
    if (c["stat_subset_size"]) q.subset_size = r.integer(c["stat_subset_size"], "compression.stat_subset_size", 1);
    if (c["range_estimator"])
      q.range_estimator =
          r.one_of(c["range_estimator"], "compression.range_estimator", {"mean_minmax", "minmax", "quantile"});
    if (c["quantile"]) {
      q.quantile = r.number(c["quantile"], "compression.quantile");
      if (!(q.quantile > 0 && q.quantile < 0.5)) r.fail("compression.quantile", c["quantile"].Scalar() + " must be in (0, 0.5)");
    }
    if (c["overflow_fix"])
      q.overflow_fix =
          r.one_of(c["overflow_fix"], "compression.overflow_fix", {"auto", "first_layer", "enable", "disable"});
    if (c["fast_bias_correction"])
      q.fast_bias_correction = r.boolean(c["fast_bias_correction"], "compression.fast_bias_correction");
    if (c["max_drop"] && c["maximal_drop"])
      r.fail("compression.maximal_drop", "give max_drop or its POT name maximal_drop, not both");
    for (const char* key : {"max_drop", "maximal_drop", "ranking_subset_size", "max_iterations"})
      if (c[key] && !config.accuracy_aware())
        r.fail(std::string("compression.") + key, "only applies to algorithm AccuracyAwareQuantization (algorithm is " +
                                                       config.algorithm + ")");
    for (const char* key : {"max_drop", "maximal_drop"}) {
      if (!c[key]) continue;
      const std::string path = std::string("compression.") + key;
      config.control.max_drop = r.number(c[key], path);
      if (config.control.max_drop < 0 || config.control.max_drop >= 1)
        r.fail(path, c[key].Scalar() + " must be in [0, 1) (an absolute top-1 fraction: 0.01 = 1 point)");
    }
    if (c["ranking_subset_size"])
      config.control.ranking_subset = r.integer(c["ranking_subset_size"], "compression.ranking_subset_size", 1);
    if (c["max_iterations"]) config.control.max_iterations = r.integer(c["max_iterations"], "compression.max_iterations", 0);
    if (const YAML::Node scope = c["ignored_scope"]) {
      const std::string path = "compression.ignored_scope";
      r.map(scope, path, {"names", "types", "patterns"});
      if (scope["names"]) q.ignored_scope.names = r.strings(scope["names"], path + ".names");
      if (scope["types"]) q.ignored_scope.types = r.strings(scope["types"], path + ".types");
      if (scope["patterns"]) q.ignored_scope.patterns = r.strings(scope["patterns"], path + ".patterns");
    }
  }
  return config;
}

QuantizeConfig load_quantize_config(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw Error(file.string() + ": cannot read the quantization config: it is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot read the quantization config (no such file, or not readable)");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(file.string() + ": error while reading the quantization config");
  return parse_quantize_config(text.str(), file.string());
}

}  // namespace torchvino
