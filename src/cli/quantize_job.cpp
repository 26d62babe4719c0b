// POT-style YAML quantization jobs: strict parsing, every error names the file and key path.
#include "cli/quantize_job.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/option_limits.hpp"
#include "torchvino/data.hpp"
#include "torchvino/error.hpp"
#include "util/strings.hpp"

namespace torchvino::cli {
namespace {

using util::join;

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
    std::set<std::string> seen;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) fail(path, "keys must be plain names");
      const std::string key = entry.first.Scalar();
      const std::string key_path = path.empty() ? key : path + "." + key;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        fail(key_path, "unknown key (expected one of " + join(allowed) + ")");
      // yaml-cpp keeps the first of repeated keys; a user editing the second would be ignored.
      if (!seen.insert(key).second) fail(key_path, "given twice");
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

  template <NamedEnum E>
  E choice(const YAML::Node& node, const std::string& path) const {
    return parse<E>(one_of(node, path, names_of<E>()));
  }

  int64_t integer(const YAML::Node& node, const std::string& path, const Limit& limit) const {
    int64_t value = 0;
    if (!node.IsScalar() || !YAML::convert<int64_t>::decode(node, value))
      fail(path, "expected an integer, got " + kind(node));
    if (const auto problem = limit.problem(static_cast<double>(value))) fail(path, *problem);
    return value;
  }

  double number(const YAML::Node& node, const std::string& path, const Limit& limit) const {
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value))
      fail(path, "expected a number, got " + kind(node));
    if (const auto problem = limit.problem(value)) fail(path, *problem);
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

void read_model(const Reader& r, const YAML::Node& root, QuantizeJob& job) {
  if (!root["model"]) r.fail("model", "missing (required: model.model, the FP32 IR or ONNX file)");
  const YAML::Node model = root["model"];
  r.map(model, "model", {"model", "output", "name"});
  if (!model["model"]) r.fail("model.model", "missing (required: the FP32 IR .xml or .onnx file)");
  job.model = r.string(model["model"], "model.model");
  if (job.model.empty()) r.fail("model.model", "must not be empty");
  if (model["output"]) {
    job.output = r.string(model["output"], "model.output");
    if (job.output.extension() != ".xml") r.fail("model.output", "'" + job.output.string() + "' must end in .xml");
  }
  if (model["name"]) r.string(model["name"], "model.name");  // POT's model name: accepted, unused
}

void read_engine(const Reader& r, const YAML::Node& engine, QuantizeJob& job) {
  r.map(engine, "engine", {"dataset", "data_dir", "metric", "validation_limit"});
  if (engine["dataset"]) job.dataset = r.one_of(engine["dataset"], "engine.dataset", dataset_names());
  if (engine["data_dir"]) job.data_dir = r.string(engine["data_dir"], "engine.data_dir");
  if (engine["metric"]) job.control.metric = r.choice<Metric>(engine["metric"], "engine.metric");
  if (engine["validation_limit"])
    job.validation_limit = r.integer(engine["validation_limit"], "engine.validation_limit", kValidationLimit);
}

// POT and NNCF spell some keys differently; each pair may be given once, under either name.
const YAML::Node either(const Reader& r, const YAML::Node& c, const char* key, const char* alias) {
  if (c[key] && c[alias])
    r.fail(std::string("compression.") + alias, std::string("give ") + key + " or its POT name " + alias + ", not both");
  return c[key] ? c[key] : c[alias];
}

void read_quantization(const Reader& r, const YAML::Node& c, QuantizeOptions& q) {
  if (c["preset"]) q.preset = r.choice<Preset>(c["preset"], "compression.preset");
  if (c["model_type"]) q.model_type = r.choice<ModelType>(c["model_type"], "compression.model_type");
  if (c["smooth_quant_alpha"])
    q.smooth_quant_alpha = r.number(c["smooth_quant_alpha"], "compression.smooth_quant_alpha", kSmoothQuantAlpha);
  if (const auto n = either(r, c, "subset_size", "stat_subset_size"))
    q.subset_size = r.integer(n, "compression.subset_size", kSubsetSize);
  if (c["calibration_seed"])
    q.calibration_seed = r.integer(c["calibration_seed"], "compression.calibration_seed", kCalibrationSeed);
  if (c["range_estimator"]) q.range_estimator = r.choice<RangeEstimator>(c["range_estimator"], "compression.range_estimator");
  if (c["quantile"]) q.quantile = r.number(c["quantile"], "compression.quantile", kQuantile);
  if (c["overflow_fix"]) q.overflow_fix = r.choice<OverflowFix>(c["overflow_fix"], "compression.overflow_fix");
  if (c["bias_correction"] && c["fast_bias_correction"])
    r.fail("compression.fast_bias_correction", "give bias_correction or fast_bias_correction, not both");
  if (c["bias_correction"]) q.bias_correction = r.choice<BiasCorrection>(c["bias_correction"], "compression.bias_correction");
  // NNCF's and POT's meaning: false selects the full (slower, more precise) bias correction.
  if (c["fast_bias_correction"])
    q.bias_correction = r.boolean(c["fast_bias_correction"], "compression.fast_bias_correction") ? BiasCorrection::Fast
                                                                                                   : BiasCorrection::Full;
  if (const YAML::Node scope = c["ignored_scope"]) {
    const std::string path = "compression.ignored_scope";
    r.map(scope, path, {"names", "types", "patterns"});
    if (scope["names"]) q.ignored_scope.names = r.strings(scope["names"], path + ".names");
    if (scope["types"]) q.ignored_scope.types = r.strings(scope["types"], path + ".types");
    if (scope["patterns"]) q.ignored_scope.patterns = r.strings(scope["patterns"], path + ".patterns");
  }
}

void read_accuracy_control(const Reader& r, const YAML::Node& c, QuantizeJob& job) {
  for (const char* key : {"max_drop", "maximal_drop", "ranking_subset_size", "max_iterations"})
    if (c[key] && !job.accuracy_aware())
      r.fail(std::string("compression.") + key, "only applies to algorithm AccuracyAwareQuantization (algorithm is " +
                                                     to_string(job.algorithm) + ")");
  if (const auto n = either(r, c, "max_drop", "maximal_drop"))
    job.control.max_drop = r.number(n, c["max_drop"] ? "compression.max_drop" : "compression.maximal_drop", kMaxDrop);
  if (c["ranking_subset_size"])
    job.control.ranking_subset = r.integer(c["ranking_subset_size"], "compression.ranking_subset_size", kRankingSubset);
  if (c["max_iterations"])
    job.control.max_iterations = r.integer(c["max_iterations"], "compression.max_iterations", kMaxIterations);
}

}  // namespace

QuantizeJob parse_quantize_job(const std::string& yaml, const std::string& source) {
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

  QuantizeJob job;
  job.source = source;
  read_model(r, root, job);
  if (const YAML::Node engine = root["engine"]) read_engine(r, engine, job);
  if (const YAML::Node c = root["compression"]) {
    r.map(c, "compression",
          {"algorithm", "preset", "model_type", "smooth_quant_alpha", "subset_size", "stat_subset_size",
           "calibration_seed", "range_estimator", "quantile", "bias_correction", "fast_bias_correction", "overflow_fix", "max_drop", "maximal_drop",
           "ranking_subset_size", "max_iterations", "ignored_scope"});
    if (c["algorithm"]) job.algorithm = r.choice<Algorithm>(c["algorithm"], "compression.algorithm");
    read_quantization(r, c, job.quantize);
    read_accuracy_control(r, c, job);
  }
  return job;
}

QuantizeJob load_quantize_job(const std::filesystem::path& file) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (std::filesystem::is_directory(status))
    throw Error(file.string() + ": cannot read the quantization config: it is a directory");
  // A FIFO or device would block or never end.
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw Error(file.string() + ": cannot read the quantization config: not a regular file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot read the quantization config (no such file, or not readable)");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(file.string() + ": error while reading the quantization config");
  return parse_quantize_job(text.str(), file.string());
}

}  // namespace torchvino::cli
