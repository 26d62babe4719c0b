#include "torchvino/ir_metadata.hpp"

#include <openvino/core/model.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "torchvino/error.hpp"
#include "torchvino/version.hpp"

namespace torchvino {

namespace {

using Path = std::vector<std::string>;

void set(ov::Model& model, const Path& key, const std::string& value) {
  Path path = {"torchvino"};
  path.insert(path.end(), key.begin(), key.end());
  model.set_rt_info(value, path);
}

std::string name_of(const Path& key) {
  std::string name = "torchvino";
  for (const auto& part : key) name += "." + part;
  return name;
}

std::optional<std::string> get(const ov::Model& model, const Path& key) {
  Path path = {"torchvino"};
  path.insert(path.end(), key.begin(), key.end());
  if (!model.has_rt_info(path)) return std::nullopt;
  try {
    return model.get_rt_info<std::string>(path);
  } catch (const ov::Exception&) {
    throw Error(fmt::format("model metadata: {} is not a value", name_of(key)));
  }
}

std::string json_list(const nlohmann::json& list) { return list.dump(); }
// Floats as the shortest decimal that reads back as the same float ([0.286], not the double
// 0.2860000133514404 nlohmann would print).
std::string json_list(const std::vector<float>& values) { return fmt::format("[{}]", fmt::join(values, ", ")); }

nlohmann::json parse_list(const Path& key, const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw Error(fmt::format("model metadata: {} is not a JSON array: '{}'", name_of(key), text));
  }
  if (!j.is_array()) throw Error(fmt::format("model metadata: {} is not a JSON array: '{}'", name_of(key), text));
  return j;
}

std::vector<std::string> strings_of(const ov::Model& model, const Path& key) {
  const auto text = get(model, key);
  if (!text) return {};
  std::vector<std::string> out;
  for (const auto& item : parse_list(key, *text)) {
    if (!item.is_string())
      throw Error(fmt::format("model metadata: {} holds a non-string: {}", name_of(key), item.dump()));
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<float> floats_of(const ov::Model& model, const Path& key) {
  const auto text = get(model, key);
  if (!text) return {};
  std::vector<float> out;
  for (const auto& item : parse_list(key, *text)) {
    if (!item.is_number())
      throw Error(fmt::format("model metadata: {} holds a non-number: {}", name_of(key), item.dump()));
    out.push_back(item.get<float>());
  }
  return out;
}

template <class T>
T number_of(const ov::Model& model, const Path& key) {
  const auto text = get(model, key);
  if (!text) return T{};
  T value{};
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size())
    throw Error(fmt::format("model metadata: {} is not a number: '{}'", name_of(key), *text));
  return value;
}

std::optional<bool> flag_of(const ov::Model& model, const Path& key) {
  const auto text = get(model, key);
  if (!text) return std::nullopt;
  if (*text != "true" && *text != "false")
    throw Error(fmt::format("model metadata: {} is '{}', not true or false", name_of(key), *text));
  return *text == "true";
}

}  // namespace

void write_ir_metadata(ov::Model& model, const IrMetadata& m) {
  set(model, {"version"}, TORCHVINO_VERSION_STRING);
  if (!m.dataset.empty()) set(model, {"dataset"}, m.dataset);
  if (!m.labels.empty()) set(model, {"labels"}, json_list(m.labels));
  const InputSpec& in = m.input;
  if (in.height > 0) set(model, {"input", "height"}, std::to_string(in.height));
  if (in.width > 0) set(model, {"input", "width"}, std::to_string(in.width));
  if (in.channels > 0) set(model, {"input", "channels"}, std::to_string(in.channels));
  if (!in.layout.empty()) set(model, {"input", "layout"}, in.layout);
  if (!in.mean.empty()) set(model, {"input", "mean"}, json_list(in.mean));
  if (!in.std.empty()) set(model, {"input", "std"}, json_list(in.std));
  set(model, {"input", "preprocessing_baked"}, in.preprocessing_baked ? "true" : "false");
  if (in.interpolation) set(model, {"input", "interpolation"}, to_string(*in.interpolation));
  if (in.antialias) set(model, {"input", "antialias"}, *in.antialias ? "true" : "false");
  if (m.accuracy) write_measured_accuracy(model, *m.accuracy);
}

void write_measured_accuracy(ov::Model& model, const MeasuredAccuracy& a) {
  set(model, {"accuracy", "top1"}, fmt::format("{:.6f}", a.top1));
  set(model, {"accuracy", "top5"}, fmt::format("{:.6f}", a.top5));
  set(model, {"accuracy", "images"}, std::to_string(a.images));
  if (!a.dataset.empty()) set(model, {"accuracy", "dataset"}, a.dataset);
}

IrMetadata read_ir_metadata(const ov::Model& model) {
  IrMetadata m;
  m.torchvino_version = get(model, {"version"}).value_or("");
  m.dataset = get(model, {"dataset"}).value_or("");
  m.labels = strings_of(model, {"labels"});
  InputSpec& in = m.input;
  in.height = number_of<int64_t>(model, {"input", "height"});
  in.width = number_of<int64_t>(model, {"input", "width"});
  in.channels = number_of<int64_t>(model, {"input", "channels"});
  in.layout = get(model, {"input", "layout"}).value_or("");
  in.mean = floats_of(model, {"input", "mean"});
  in.std = floats_of(model, {"input", "std"});
  in.preprocessing_baked = flag_of(model, {"input", "preprocessing_baked"}).value_or(false);
  if (const auto interpolation = get(model, {"input", "interpolation"})) {
    try {
      in.interpolation = parse<Interpolation>(*interpolation);
    } catch (const Error&) {
      throw Error(fmt::format("model metadata: torchvino.input.interpolation is '{}', not one of {}", *interpolation,
                              fmt::join(names_of<Interpolation>(), ", ")));
    }
  }
  in.antialias = flag_of(model, {"input", "antialias"});
  if (get(model, {"accuracy", "top1"})) {
    MeasuredAccuracy a;
    a.top1 = number_of<double>(model, {"accuracy", "top1"});
    a.top5 = number_of<double>(model, {"accuracy", "top5"});
    a.images = number_of<int64_t>(model, {"accuracy", "images"});
    a.dataset = get(model, {"accuracy", "dataset"}).value_or("");
    m.accuracy = a;
  }
  return m;
}

}  // namespace torchvino
