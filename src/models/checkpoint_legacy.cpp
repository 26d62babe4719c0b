#include "models/checkpoint_legacy.hpp"

#include <caffe2/serialize/inline_container.h>
#include <torch/serialize.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "models/pickle_rewrite.hpp"
#include "torchvino/error.hpp"
#include "util/strings.hpp"

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

namespace {

// LibTorch's TorchScript importer trusts the lengths inside the archive's pickles: a crafted one
// makes it reserve gigabytes (found by fuzz_checkpoint). Each pickle first goes through the
// bounded walk that state dicts get (argument lengths against the bytes present, memo slots,
// nesting), which throws on what the importer would choke on. That includes the code's
// `.debug_pkl` records: LibTorch unpickles them to quote the source when the code fails to parse.
void check_pickles(const fs::path& file) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(file.string());
    for (const auto& name : reader.getAllRecords()) {
      if (!name.ends_with(".pkl") && !name.ends_with(".debug_pkl")) continue;
      const auto [data, size] = reader.getRecord(name);
      try {
        rewrite_ordered_dicts(std::string(static_cast<const char*>(data.get()), size));
      } catch (const Error& e) {
        // The walk names every pickle data.pkl; name the record it found the problem in.
        std::string what = e.what();
        if (what.starts_with("data.pkl: ")) what = what.substr(10);
        throw Error(name + ": " + what);
      }
    }
  } catch (const Error& e) {
    throw Error(file.string() + ": not a torchvino checkpoint (" + e.what() + ")");
  } catch (const std::exception& e) {
    throw Error(file.string() + ": not a torchvino checkpoint (cannot be read as a LibTorch archive: " +
                util::essence(e.what()) + ")");
  }
}

}  // namespace

Model load_legacy_checkpoint(const fs::path& file) {
  check_pickles(file);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
  } catch (const std::exception& e) {
    // LibTorch's TorchScript importer throws c10::Error, but also std::out_of_range and others
    // from its containers on a crafted archive (found by fuzzing).
    throw Error(file.string() + ": not a torchvino checkpoint (cannot be read as a LibTorch archive: " +
                util::essence(e.what()) + ")");
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
    try {
      target.copy_(value);
    } catch (const c10::Error& e) {  // e.g. a dtype copy_ cannot convert
      throw Error(file.string() + ": tensor '" + name + "': " + util::essence(e.what_without_backtrace()));
    }
  };
  for (auto& p : model.module().named_parameters()) load(p.key(), p.value(), false);
  for (auto& b : model.module().named_buffers()) load(b.key(), b.value(), true);
  return model;
}

}  // namespace torchvino::models
