#include <torch/serialize.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>

#include "torchvino/error.hpp"
#include "torchvino/models.hpp"
#include "util/atomic_file.hpp"

namespace torchvino {

std::vector<std::string> model_names() {
  std::vector<std::string> names = {"convnet"};
  for (const auto& n : resnet_names()) names.push_back(n);
  return names;
}

Model create_model(const ModelSpec& spec) {
  if (spec.in_channels < 1 || spec.num_classes < 1 || spec.image_size < 4)
    throw Error("invalid model spec: in_channels, num_classes must be >= 1 and image_size >= 4");
  Model model{spec, {}};
  if (spec.arch == "convnet") {
    model.net = torch::nn::AnyModule(ConvNet(spec.in_channels, spec.num_classes, spec.image_size));
  } else if (const int64_t depth = resnet_depth(spec.arch)) {
    model.net = torch::nn::AnyModule(
        ResNet(depth, spec.in_channels, spec.num_classes, spec.image_size));
  } else {
    std::string known;
    for (const auto& n : model_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown model '" + spec.arch + "' (known: " + known + ")");
  }
  return model;
}

namespace {
nlohmann::json spec_to_json(const ModelSpec& s) {
  return {{"arch", s.arch},
          {"in_channels", s.in_channels},
          {"num_classes", s.num_classes},
          {"image_size", s.image_size}};
}
}  // namespace

void save_checkpoint(const Model& model, const std::filesystem::path& file) {
  torch::serialize::OutputArchive archive;
  archive.write("torchvino.spec", torch::IValue(spec_to_json(model.spec).dump()));
  for (const auto& p : model.module().named_parameters()) archive.write(p.key(), p.value());
  for (const auto& b : model.module().named_buffers()) archive.write(b.key(), b.value(), true);
  write_atomically(file, [&](const std::filesystem::path& tmp) { archive.save_to(tmp.string()); });
}

Model load_checkpoint(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) throw Error(file.string() + ": checkpoint not found");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
  } catch (const c10::Error& e) {
    throw Error(file.string() + ": not a torchvino checkpoint (cannot be read as a LibTorch archive)");
  }
  torch::IValue spec_value;
  if (!archive.try_read("torchvino.spec", spec_value) || !spec_value.isString())
    throw Error(file.string() + ": not a torchvino checkpoint (no model spec inside)");
  ModelSpec spec;
  try {
    auto j = nlohmann::json::parse(spec_value.toStringRef());
    spec.arch = j.at("arch").get<std::string>();
    spec.in_channels = j.at("in_channels").get<int64_t>();
    spec.num_classes = j.at("num_classes").get<int64_t>();
    spec.image_size = j.at("image_size").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(file.string() + ": corrupt model spec: " + e.what());
  }
  Model model = create_model(spec);
  torch::NoGradGuard no_grad;
  auto load = [&](const std::string& name, torch::Tensor& target, bool is_buffer) {
    torch::Tensor value;
    if (!archive.try_read(name, value, is_buffer))
      throw Error(file.string() + ": missing tensor '" + name + "'");
    if (value.sizes() != target.sizes())
      throw Error(file.string() + ": tensor '" + name + "' has shape " +
                  c10::str(value.sizes()) + ", the model expects " + c10::str(target.sizes()));
    target.copy_(value);
  };
  for (auto& p : model.module().named_parameters()) load(p.key(), p.value(), false);
  for (auto& b : model.module().named_buffers()) load(b.key(), b.value(), true);
  return model;
}

}  // namespace torchvino
