#include <torch/serialize.h>

#include <array>
#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>

#include "models/resnet.hpp"
#include "torchvino/error.hpp"
#include "torchvino/models.hpp"
#include "util/atomic_file.hpp"
#include "util/named_table.hpp"
#include "util/regular_file.hpp"

namespace torchvino {

namespace {

torch::nn::AnyModule build_convnet(const ModelSpec& s) {
  return torch::nn::AnyModule(ConvNet(s.in_channels, s.num_classes, s.image_size));
}

template <int64_t Depth>
torch::nn::AnyModule build_resnet(const ModelSpec& s) {
  return torch::nn::AnyModule(ResNet(Depth, s.in_channels, s.num_classes, s.image_size));
}

// One row per model: adding one is a module plus a row here. ConvNet keeps the tutorial's
// 1×28×28 input; ResNets take colour, at 32 pixels on small images for their small-input stem.
const std::array<ModelInfo, 6>& zoo() {
  static const std::array<ModelInfo, 6> table = {{
      {"convnet", build_convnet, 1, 28},
      {"resnet18", build_resnet<18>, 3, 32},
      {"resnet34", build_resnet<34>, 3, 32},
      {"resnet50", build_resnet<50>, 3, 32},
      {"resnet101", build_resnet<101>, 3, 32},
      {"resnet152", build_resnet<152>, 3, 32},
  }};
  return table;
}

}  // namespace

int64_t ModelInfo::image_size_for(int64_t dataset_image_size) const {
  return dataset_image_size <= 32 ? small_image_size : dataset_image_size;
}

std::vector<std::string> model_names() { return util::row_names(zoo()); }

const ModelInfo& model_info(const std::string& arch) { return util::find_row(zoo(), arch, "model"); }

Model create_model(const ModelSpec& spec) {
  if (spec.in_channels < 1 || spec.num_classes < 1 || spec.image_size < 4)
    throw Error("invalid model spec: in_channels, num_classes must be >= 1 and image_size >= 4");
  return Model{spec, model_info(spec.arch).build(spec)};
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
  util::require_regular_file(file);
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
