#include "torchvino/ovms_export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "torchvino/bake_preprocessing.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "util/atomic_file.hpp"
#include "util/regular_file.hpp"

namespace torchvino {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void check_options(const OvmsExportOptions& o, const RawImageInput& image) {
  const bool name_ok =
      !o.name.empty() && o.name != "." && o.name != ".." &&
      std::all_of(o.name.begin(), o.name.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_' || c == '.';
      });
  if (!name_ok)
    throw Error(fmt::format("name: '{}' is not a model name (letters, digits, '-', '_', '.')", o.name), "name");
  if (o.version < 1) throw Error(fmt::format("version: {} must be >= 1", o.version), "version");
  if (o.batch < 1) throw Error(fmt::format("batch: {} must be >= 1", o.batch), "batch");
  if (o.streams < 0) throw Error(fmt::format("streams: {} must be >= 0", o.streams), "streams");
  // The raw image's sides, then its channels: the first field at fault is the one named.
  const auto image_error = [&](const char* field) {
    return Error(fmt::format("raw image {}: {}×{}×{} (height×width×channels) is not an image size "
                             "(sides >= 1, channels 1 or 3)",
                             field, image.height, image.width, image.channels),
                 fmt::format("image.{}", field));
  };
  if (image.height < 1) throw image_error("height");
  if (image.width < 1) throw image_error("width");
  if (image.channels != 1 && image.channels != 3) throw image_error("channels");
}

// OVMS's per-model settings (docs/parameters.md of the model server; names checked against its
// config schema: name, base_path, batch_size, target_device, plugin_config).
json model_config(const OvmsExportOptions& o) {
  json plugin = {{"PERFORMANCE_HINT", "THROUGHPUT"},
                 {"NUM_STREAMS", o.streams == 0 ? std::string("AUTO") : std::to_string(o.streams)},
                 // FP32 means FP32, as in our own runtime: CPUs with bf16 would otherwise compute
                 // the float parts in bf16.
                 {"INFERENCE_PRECISION_HINT", "f32"}};
  return {{"config",
           {{"name", o.name},
            {"base_path", o.name},  // relative to config.json
            {"target_device", o.target_device},
            {"batch_size", o.batch},
            {"plugin_config", plugin}}}};
}

json read_config(const fs::path& file) {
  if (!fs::exists(file)) return {{"model_config_list", json::array()}};
  util::require_regular_file(file);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  json config;
  try {
    config = json::parse(text.str());
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON: {}", file.string(), e.what()));
  }
  if (!config.is_object() || !config.contains("model_config_list") ||
      !config["model_config_list"].is_array())
    throw Error(fmt::format("{}: not an OVMS config (no model_config_list array)", file.string()));
  return config;
}

// This model's entry replaces one of the same name; the others stay as they were.
json merged_config(json config, const OvmsExportOptions& o) {
  json& list = config["model_config_list"];
  const auto same = [&](const json& entry) {
    return entry.is_object() && entry.contains("config") && entry["config"].is_object() &&
           entry["config"].value("name", "") == o.name;
  };
  list.erase(std::remove_if(list.begin(), list.end(), same), list.end());
  list.push_back(model_config(o));
  return config;
}

std::shared_ptr<ov::Model> with_batch_in_place(const std::shared_ptr<ov::Model>& model, int64_t batch) {
  auto shape = model->input().get_partial_shape();
  shape[0] = batch;
  std::map<ov::Output<ov::Node>, ov::PartialShape> shapes{{model->input(), shape}};
  model->reshape(shapes);
  return model;
}

}  // namespace

OvmsExport export_ovms(const std::shared_ptr<ov::Model>& model, const Preprocessing& p,
                       const RawImageInput& image, const fs::path& dir,
                       const OvmsExportOptions& options) {
  check_options(options, image);
  const fs::path config_file = dir / "config.json";
  const json config = merged_config(read_config(config_file), options);

  auto baked = bake_preprocessing(model, p, image.height, image.width, image.channels);
  baked = with_batch_in_place(baked, options.batch);
  baked->set_rt_info(options.name, "torchvino", "ovms", "name");
  baked->set_rt_info(std::to_string(options.version), "torchvino", "ovms", "version");

  OvmsExport written;
  const fs::path version_dir = dir / options.name / std::to_string(options.version);
  fs::create_directories(version_dir);
  written.xml = version_dir / "model.xml";
  written.bin = version_dir / "model.bin";
  written.config = config_file;
  save_ir(baked, written.xml);
  write_text_atomically(config_file, config.dump(2) + "\n");
  return written;
}

}  // namespace torchvino
