// POT-style YAML quantization jobs: strict parsing, every error names the file and key path.
#include "cli/quantize_job.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "cli/bind_option.hpp"
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

  // A value of the type of the field it goes into, within the row's limit.
  void read(const YAML::Node& node, const std::string& path, const Option& row, int64_t& field) const {
    field = integer(node, path, row.limit ? *row.limit : Limit{});
  }
  void read(const YAML::Node& node, const std::string& path, const Option& row, double& field) const {
    field = number(node, path, row.limit ? *row.limit : Limit{});
  }
  void read(const YAML::Node& node, const std::string& path, const Option&, std::vector<std::string>& field) const {
    field = strings(node, path);
  }
  template <NamedEnum E>
  void read(const YAML::Node& node, const std::string& path, const Option&, E& field) const {
    field = choice<E>(node, path);
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

// Each option of a job that both a flag and a config key set: its row and where the job keeps it.
// The flags of `quantize` (add_job_flags), the flags' precedence over the file (apply_given_flags)
// and the config file's reader all go through this one list.
struct JobField {
  const Option* row;
  std::string section;  // where the config file keeps it: "engine", "compression", ...
  std::function<CLI::Option*(CLI::App*, QuantizeJob&)> bind_flag;
  std::function<void(const Reader&, const YAML::Node&, const std::string& path, QuantizeJob&)> read;
  std::function<void(QuantizeJob& to, const QuantizeJob& from)> copy;
};

template <class Get>
JobField field(const Option& row, std::string section, Get get) {
  return {&row, std::move(section), [get, &row](CLI::App* c, QuantizeJob& j) { return bind(c, row, get(j)); },
          [get, &row](const Reader& r, const YAML::Node& n, const std::string& path, QuantizeJob& j) {
            r.read(n, path, row, get(j));
          },
          [get](QuantizeJob& to, const QuantizeJob& from) { get(to) = get(from); }};
}

const std::vector<JobField>& job_fields() {
  static const std::vector<JobField> fields{
      field(opt::validation_limit, "engine", [](auto& j) -> auto& { return j.validation_limit; }),
      field(opt::subset_size, "compression", [](auto& j) -> auto& { return j.quantize.subset_size; }),
      field(opt::calibration_seed, "compression", [](auto& j) -> auto& { return j.quantize.calibration_seed; }),
      field(opt::preset, "compression", [](auto& j) -> auto& { return j.quantize.preset; }),
      field(opt::model_type, "compression", [](auto& j) -> auto& { return j.quantize.model_type; }),
      field(opt::smooth_quant_alpha, "compression", [](auto& j) -> auto& { return j.quantize.smooth_quant_alpha; }),
      field(opt::range_estimator, "compression", [](auto& j) -> auto& { return j.quantize.range_estimator; }),
      field(opt::quantile, "compression", [](auto& j) -> auto& { return j.quantize.quantile; }),
      field(opt::bias_correction, "compression", [](auto& j) -> auto& { return j.quantize.bias_correction; }),
      field(opt::overflow_fix, "compression", [](auto& j) -> auto& { return j.quantize.overflow_fix; }),
      field(opt::max_drop, "compression", [](auto& j) -> auto& { return j.control.max_drop; }),
      field(opt::ranking_subset, "compression", [](auto& j) -> auto& { return j.control.ranking_subset; }),
      field(opt::max_iterations, "compression", [](auto& j) -> auto& { return j.control.max_iterations; }),
      field(opt::ignore_name, "compression.ignored_scope", [](auto& j) -> auto& { return j.quantize.ignored_scope.names; }),
      field(opt::ignore_type, "compression.ignored_scope", [](auto& j) -> auto& { return j.quantize.ignored_scope.types; }),
      field(opt::ignore_regex, "compression.ignored_scope",
            [](auto& j) -> auto& { return j.quantize.ignored_scope.patterns; }),
  };
  return fields;
}

// The keys a config section allows: its fields' (and their aliases), and `extra`.
std::vector<std::string> keys_of(const std::string& section, std::vector<std::string> extra) {
  std::vector<std::string> keys;
  for (const auto& f : job_fields()) {
    if (f.section != section) continue;
    keys.emplace_back(f.row->key);
    if (!f.row->alias.empty()) keys.emplace_back(f.row->alias);
  }
  keys.insert(keys.end(), extra.begin(), extra.end());
  return keys;
}

// The fields of one section of the config file. A key may be given once, under its name or its
// POT/NNCF alias; errors name the key path by the option's own key.
void read_fields(const Reader& r, const YAML::Node& node, const std::string& section, QuantizeJob& job) {
  for (const auto& f : job_fields()) {
    if (f.section != section) continue;
    const std::string key(f.row->key), alias(f.row->alias);
    if (!alias.empty() && node[key] && node[alias])
      r.fail(section + "." + alias, "give " + key + " or its POT name " + alias + ", not both");
    if (node[key]) f.read(r, node[key], section + "." + key, job);
    else if (!alias.empty() && node[alias]) f.read(r, node[alias], section + "." + key, job);
  }
}

void read_engine(const Reader& r, const YAML::Node& engine, QuantizeJob& job) {
  r.map(engine, "engine", keys_of("engine", {"dataset", "data_dir", "metric"}));
  if (engine["dataset"]) job.dataset = r.one_of(engine["dataset"], "engine.dataset", dataset_names());
  if (engine["data_dir"]) job.data_dir = r.string(engine["data_dir"], "engine.data_dir");
  if (engine["metric"]) job.control.metric = r.choice<Metric>(engine["metric"], "engine.metric");
  read_fields(r, engine, "engine", job);
}

void read_compression(const Reader& r, const YAML::Node& c, QuantizeJob& job) {
  r.map(c, "compression", keys_of("compression", {"algorithm", "fast_bias_correction", "ignored_scope"}));
  if (c["algorithm"]) job.algorithm = r.choice<Algorithm>(c["algorithm"], "compression.algorithm");
  for (const Option* row : {&opt::max_drop, &opt::ranking_subset, &opt::max_iterations})
    for (const auto key : {row->key, row->alias})
      if (!key.empty() && c[std::string(key)] && !job.accuracy_aware())
        r.fail("compression." + std::string(key), "only applies to algorithm AccuracyAwareQuantization (algorithm is " +
                                                      to_string(job.algorithm) + ")");
  if (c["bias_correction"] && c["fast_bias_correction"])
    r.fail("compression.fast_bias_correction", "give bias_correction or fast_bias_correction, not both");
  read_fields(r, c, "compression", job);
  // NNCF's and POT's meaning: false selects the full (slower, more precise) bias correction.
  if (c["fast_bias_correction"])
    job.quantize.bias_correction =
        r.boolean(c["fast_bias_correction"], "compression.fast_bias_correction") ? BiasCorrection::Fast
                                                                                 : BiasCorrection::Full;
  if (const YAML::Node scope = c["ignored_scope"]) {
    r.map(scope, "compression.ignored_scope", keys_of("compression.ignored_scope", {}));
    read_fields(r, scope, "compression.ignored_scope", job);
  }
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
  if (const YAML::Node c = root["compression"]) read_compression(r, c, job);
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

namespace torchvino::cli {

void add_job_flags(CLI::App* command, QuantizeJob& flags) {
  for (const auto& f : job_fields()) f.bind_flag(command, flags);
}

void apply_given_flags(const CLI::App* command, const QuantizeJob& flags, QuantizeJob& job) {
  for (const auto& f : job_fields())
    if (given(command, *f.row)) f.copy(job, flags);
  // POT's accuracy-aware algorithm is what a drop limit asks for.
  if (given(command, opt::max_drop)) job.algorithm = Algorithm::AccuracyAware;
}

}  // namespace torchvino::cli
