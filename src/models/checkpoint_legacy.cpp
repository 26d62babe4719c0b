#include "models/checkpoint_legacy.hpp"

#include <caffe2/serialize/inline_container.h>
#include <torch/serialize.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "torchvino/error.hpp"

namespace torchvino::models {

namespace fs = std::filesystem;

bool is_torchscript_archive(const fs::path& file) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(file.string());
    const auto records = reader.getAllRecords();
    return std::any_of(records.begin(), records.end(), [](const std::string& r) {
      return r == "constants.pkl" || r.starts_with("code/");
    });
  } catch (const std::exception&) {
    return false;
  }
}

Model load_legacy_checkpoint(const fs::path& file) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
  } catch (const c10::Error&) {
    throw Error(file.string() +
                ": not a torchvino checkpoint (cannot be read as a LibTorch archive)");
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

}  // namespace torchvino::models
