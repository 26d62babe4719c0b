// Checkpoints in the format PyTorch users exchange: a torch.save zip of a plain dict, readable by
// torch.load(f, weights_only=True): only builtin pickle types and tensors go in.
#include <caffe2/serialize/inline_container.h>
#include <fmt/format.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>

#include <array>
#include <fstream>
#include <iostream>
#include <type_traits>

#include "models/checkpoint_legacy.hpp"
#include "models/torch_save.hpp"
#include "torchvino/error.hpp"
#include "torchvino/models.hpp"
#include "torchvino/state_dict.hpp"
#include "torchvino/version.hpp"
#include "util/atomic_file.hpp"
#include "util/regular_file.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

// torch::pickle_save's zip, without its TorchScript type tags: pickle_save wraps every dict and
// list in a call of torch.jit._pickle.restore_type_tag, a global torch.load(weights_only=True)
// refuses to call.
std::string torch_save_bytes(const c10::IValue& value) {
  std::string pkl;
  torch::jit::Pickler pickler([&](const char* data, size_t n) { pkl.append(data, n); },
                              /*tensor_table=*/nullptr, /*type_renamer=*/nullptr,
                              /*memoized_class_types=*/nullptr, /*get_tensor_id=*/nullptr,
                              /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(value);
  pickler.stop();
  std::string zip;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t n) {
    zip.append(static_cast<const char*>(data), n);
    return n;
  });
  torch::jit::writeArchiveAndTensors("data", pkl.data(), pkl.size(), pickler.tensorData(), writer);
  writer.writeEndOfFile();
  return zip;
}

// Lists typed as list[Any], so that the pickler never reaches for its typed-list helpers.
template <typename T>
c10::impl::GenericList plain_list(const std::vector<T>& values) {
  c10::impl::GenericList list(c10::AnyType::get());
  for (const auto& v : values) {
    if constexpr (std::is_floating_point_v<T>) list.push_back(static_cast<double>(v));
    else list.push_back(v);
  }
  return list;
}

c10::impl::GenericDict metadata_dict(const Model& model) {
  const ModelSpec& s = model.spec;
  const ModelMetadata& m = model.metadata;
  c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
  d.insert("format_version", kCheckpointFormatVersion);
  d.insert("architecture", s.arch);
  d.insert("in_channels", s.in_channels);
  d.insert("num_classes", s.num_classes);
  d.insert("image_size", s.image_size);
  if (const auto fields = model_info(s.arch).checkpoint_fields)
    for (const auto& [key, value] : fields(model.module())) d.insert(key, value);
  d.insert("dataset", m.dataset);
  d.insert("mean", plain_list(m.mean));
  d.insert("std", plain_list(m.std));
  d.insert("labels", plain_list(m.labels));
  d.insert("torchvino_version", std::string(TORCHVINO_VERSION_STRING));
  return d;
}

// Parameters and buffers under the names named_parameters/named_buffers give, which are
// PyTorch's (see models.hpp); detached, so the file records no requires_grad.
c10::impl::GenericDict state_dict(const Model& model) {
  c10::impl::GenericDict d(c10::StringType::get(), c10::TensorType::get());
  for (const auto& p : model.module().named_parameters()) d.insert(p.key(), p.value().detach());
  for (const auto& b : model.module().named_buffers()) d.insert(b.key(), b.value().detach());
  return d;
}

void check_metadata(const ModelSpec& s, const ModelMetadata& m, const std::string& where) {
  auto per_channel = [&](const std::vector<float>& v) {
    return v.empty() || v.size() == 1 || static_cast<int64_t>(v.size()) == s.in_channels;
  };
  if (!per_channel(m.mean) || !per_channel(m.std) || m.mean.size() != m.std.size())
    throw Error(fmt::format("{}: mean and std must both have 0, 1 or {} values (got {} and {})",
                            where, s.in_channels, m.mean.size(), m.std.size()));
  if (!m.labels.empty() && static_cast<int64_t>(m.labels.size()) != s.num_classes)
    throw Error(fmt::format("{}: {} labels for {} classes", where, m.labels.size(), s.num_classes));
}

// Typed reads of the "torchvino" dict, each failure naming the file and the key.
class MetadataReader {
 public:
  MetadataReader(c10::impl::GenericDict dict, std::string file)
      : dict_(std::move(dict)), file_(std::move(file)) {}

  int64_t integer(const std::string& key) const {
    const c10::IValue v = at(key);
    if (!v.isInt()) throw bad(key, "an integer");
    return v.toInt();
  }
  std::string text(const std::string& key) const {
    const c10::IValue v = at(key);
    if (!v.isString()) throw bad(key, "a string");
    return v.toStringRef();
  }
  std::vector<float> numbers(const std::string& key) const {
    std::vector<float> values;
    for (const c10::IValue& v : list(key)) {
      if (!v.isDouble() && !v.isInt()) throw bad(key, "a list of numbers");
      values.push_back(static_cast<float>(v.isDouble() ? v.toDouble() : v.toInt()));
    }
    return values;
  }
  std::vector<std::string> texts(const std::string& key) const {
    std::vector<std::string> values;
    for (const c10::IValue& v : list(key)) {
      if (!v.isString()) throw bad(key, "a list of strings");
      values.push_back(v.toStringRef());
    }
    return values;
  }

 private:
  c10::IValue at(const std::string& key) const {
    const auto it = dict_.find(key);
    if (it == dict_.end())
      throw Error(
          fmt::format("{}: corrupt torchvino checkpoint: no '{}' in its metadata", file_, key));
    return it->value();
  }
  std::vector<c10::IValue> list(const std::string& key) const {
    const c10::IValue v = at(key);
    if (!v.isList()) throw bad(key, "a list");
    const auto items = v.toListRef();
    return std::vector<c10::IValue>(items.begin(), items.end());
  }
  Error bad(const std::string& key, const char* expected) const {
    return Error(fmt::format("{}: corrupt torchvino checkpoint: metadata '{}' is not {}", file_,
                             key, expected));
  }

  c10::impl::GenericDict dict_;
  std::string file_;
};

c10::impl::GenericDict torchvino_entry(const c10::IValue& top, const std::string& file) {
  if (top.isGenericDict()) {
    const auto dict = top.toGenericDict();
    const auto it = dict.find(std::string("torchvino"));
    if (it != dict.end() && it->value().isGenericDict()) return it->value().toGenericDict();
  }
  throw Error(fmt::format(
      "{}: a PyTorch file without torchvino metadata (no 'torchvino' dict): not a torchvino "
      "checkpoint; a plain state dict is loaded as initial weights (weights)",
      file), "weights");
}

// Both checkpoint formats are zip files; anything else gets a message about checkpoints rather
// than the state dict reader's.
void require_zip(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<char, 4> head{};
  in.read(head.data(), head.size());
  if (in.gcount() < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4)
    throw Error(file.string() + ": not a torchvino checkpoint (not a zip file as torch.save writes)");
}

Model load_current_checkpoint(const fs::path& file) {
  const std::string name = file.string();
  models::TorchSaveFile saved = models::read_torch_save(file);
  const MetadataReader meta(torchvino_entry(saved.top, name), name);
  const int64_t version = meta.integer("format_version");
  if (version < 1 || version > kCheckpointFormatVersion)
    throw Error(fmt::format("{}: checkpoint format version {}; this torchvino ({}) reads 1 to {}",
                            name, version, TORCHVINO_VERSION_STRING, kCheckpointFormatVersion));
  ModelSpec spec;
  spec.arch = meta.text("architecture");
  spec.in_channels = meta.integer("in_channels");
  spec.num_classes = meta.integer("num_classes");
  spec.image_size = meta.integer("image_size");
  ModelMetadata metadata;
  metadata.dataset = meta.text("dataset");
  metadata.mean = meta.numbers("mean");
  metadata.std = meta.numbers("std");
  metadata.labels = meta.texts("labels");
  check_metadata(spec, metadata, name);

  Model model;
  try {
    model = create_model(spec);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", name, e.what()));
  }
  model.metadata = std::move(metadata);
  load_state_dict(model, saved.state, /*strict=*/true, name);
  return model;
}

}  // namespace

void save_checkpoint(const Model& model, const fs::path& file) {
  check_metadata(model.spec, model.metadata, file.string());
  c10::impl::GenericDict top(c10::StringType::get(), c10::AnyType::get());
  top.insert("state_dict", state_dict(model));
  top.insert("torchvino", metadata_dict(model));
  write_bytes_atomically(file, torch_save_bytes(top));
}

Model load_checkpoint(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw Error(file.string() + ": checkpoint not found");
  util::require_regular_file(file);
  require_zip(file);
  if (models::is_torchscript_archive(file)) {
    std::cerr << file.string()
              << ": note: an old-format torchvino checkpoint (TorchScript archive, which torch.load "
                 "cannot open with weights_only=True); deprecated, read until the next release: "
                 "save it again to convert it; LibTorch's TorchScript importer reads it, so open only "
                 "files you trust\n";
    return models::load_legacy_checkpoint(file);
  }
  return load_current_checkpoint(file);
}

}  // namespace torchvino
