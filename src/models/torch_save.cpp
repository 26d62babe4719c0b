// torch.save files read without Python: the zip archive (LibTorch's PyTorchStreamReader), its
// data.pkl unpickled with tensors mapped from the data/ records, the state dict found in it, and
// every tensor checked to lie within its record before anything reads it.
#include "models/torch_save.hpp"

#include <caffe2/serialize/inline_container.h>
#include <fmt/format.h>
#include <torch/csrc/jit/serialization/unpickler.h>
#include <torch/torch.h>

#include <array>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "models/pickle_rewrite.hpp"
#include "torchvino/error.hpp"
#include "util/regular_file.hpp"
#include "util/strings.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

// The first line of a LibTorch exception: the rest is a C++ stack trace.
std::string first_line(const char* what) {
  std::string text(what);
  if (const auto eol = text.find('\n'); eol != std::string::npos) text.resize(eol);
  return text;
}

std::string ivalue_kind(const c10::IValue& v) {
  if (v.isNone()) return "None";
  if (v.isTensor()) return "a tensor";
  if (v.isGenericDict()) return "a dict";
  if (v.isList()) return "a list";
  if (v.isTuple()) return "a tuple";
  if (v.isString()) return "a string";
  if (v.isInt()) return "an int";
  if (v.isDouble()) return "a float";
  if (v.isBool()) return "a bool";
  if (v.isObject()) return "an object";
  return std::string("a ") + v.tagKind();
}

// The zip records of the archive (without the leading "<archive name>/").
std::set<std::string> record_names(caffe2::serialize::PyTorchStreamReader& reader) {
  const auto all = reader.getAllRecords();
  return {all.begin(), all.end()};
}

// Checks the start of the file so that the common wrong inputs get a precise message.
void check_header(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open the state dict file", file.string()));
  std::array<unsigned char, 4> head{};
  in.read(reinterpret_cast<char*>(head.data()), head.size());
  const auto got = static_cast<size_t>(in.gcount());
  if (got == 0) throw Error(fmt::format("{}: the state dict file is empty", file.string()));
  if (got >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5) {
    throw Error(fmt::format(
        "{}: saved in PyTorch's legacy format (torch < 1.6, or "
        "_use_new_zipfile_serialization=False), which LibTorch cannot read; re-save it in Python "
        "with a recent PyTorch: torch.save(torch.load(f), f)",
        file.string()));
  }
  if (got < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
    throw Error(fmt::format(
        "{}: not a PyTorch state dict (torch.save writes a zip file; this one does not start like "
        "one)",
        file.string()));
  }
}

// A state dict from the unpickled top-level object.
StateDict to_state_dict(const c10::IValue& top, const fs::path& file) {
  const std::string name = file.string();
  if (top.isNone()) {
    // What LibTorch makes of an OrderedDict that rewrite_ordered_dicts did not recognise (e.g.
    // saved with pickle_protocol 4 or 5).
    throw Error(fmt::format(
        "{}: holds None as far as LibTorch can read it (an OrderedDict saved with a pickle "
        "protocol above 2?); re-save it as a plain dict in Python: "
        "torch.save(dict(model.state_dict()), f)",
        name));
  }
  if (!top.isGenericDict()) {
    throw Error(fmt::format("{}: holds {}, not a state dict (a dict of tensors)", name,
                            ivalue_kind(top)));
  }
  c10::impl::GenericDict dict = top.toGenericDict();

  // A training checkpoint ({"epoch": ..., "model_state_dict": {...}, "optimizer": ...}).
  bool any_tensor = false;
  for (const auto& entry : dict) any_tensor = any_tensor || entry.value().isTensor();
  if (!any_tensor) {
    for (const char* key : {"state_dict", "model_state_dict", "model"}) {
      const auto it = dict.find(c10::IValue(std::string(key)));
      if (it != dict.end() && it->value().isGenericDict()) {
        dict = it->value().toGenericDict();
        break;
      }
    }
  }

  StateDict state;
  state.reserve(dict.size());
  for (const auto& entry : dict) {
    if (!entry.key().isString()) {
      throw Error(fmt::format("{}: not a state dict: a key is {}, not a string", name,
                              ivalue_kind(entry.key())));
    }
    const std::string& key = entry.key().toStringRef();
    if (!entry.value().isTensor()) {
      throw Error(fmt::format("{}: not a state dict of tensors: '{}' is {}", name, key,
                              ivalue_kind(entry.value())));
    }
    const torch::Tensor& t = entry.value().toTensor();
    if (t.layout() != torch::kStrided || t.is_quantized()) {
      throw Error(fmt::format("{}: tensor '{}' is sparse or quantized, which is not supported",
                              name, key));
    }
    state.emplace_back(key, t);
  }
  return state;
}

// A data/<key> record the unpickler turned into a storage.
struct StorageRecord {
  std::string name;
  size_t bytes = 0;
};
// By the address of the record's bytes, which the storage built from it points to.
using StorageRecords = std::map<const void*, StorageRecord>;

// Unpickles data.pkl of a torch.save zip archive (tensors from data/<key>, mapped to the CPU),
// noting in `records` the size of each data record read.
c10::IValue unpickle_archive(caffe2::serialize::PyTorchStreamReader& reader, const fs::path& file,
                             StorageRecords& records) {
  auto [record, size] = reader.getRecord("data.pkl");
  std::string pkl;
  try {
    pkl = models::rewrite_ordered_dicts(std::string(static_cast<const char*>(record.get()), size));
  } catch (const Error& e) {
    throw Error(util::cat(file.string(), ": ", e.what()));
  }
  size_t offset = 0;
  auto read = [&](char* buffer, size_t n) {
    n = std::min(n, pkl.size() - offset);
    std::memcpy(buffer, pkl.data() + offset, n);
    offset += n;
    return n;
  };
  auto read_record = [&](const std::string& key) {
    auto [data, bytes] = reader.getRecord("data/" + key);
    records[data.get()] = {"data/" + key, bytes};
    return std::move(data);
  };
  torch::jit::Unpickler unpickler(read, /*type_resolver=*/nullptr, /*obj_loader=*/nullptr,
                                  read_record, at::Device(at::kCPU));
  unpickler.set_version(reader.version());
  return unpickler.parse_ivalue();
}

// The bytes a strided tensor reaches in its storage (from the storage's start), or nullopt when
// its offset or strides are negative or the count overflows.
std::optional<uint64_t> reached_bytes(const torch::Tensor& t) {
  if (t.numel() == 0) return 0;
  if (t.storage_offset() < 0) return std::nullopt;
  unsigned __int128 last = static_cast<uint64_t>(t.storage_offset());
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.stride(d) < 0 || t.size(d) < 1) return std::nullopt;
    last += static_cast<unsigned __int128>(t.size(d) - 1) * static_cast<uint64_t>(t.stride(d));
  }
  const unsigned __int128 bytes = (last + 1) * t.element_size();
  if (bytes > std::numeric_limits<uint64_t>::max()) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

// Every tensor must lie within the data record its storage was built from, checked before any
// of its elements is read: a crafted file could otherwise make LibTorch read past the record.
void check_storage_bounds(const StateDict& state, const StorageRecords& records,
                          const fs::path& file) {
  for (const auto& [key, t] : state) {
    const auto it = records.find(t.storage().data());
    if (it == records.end()) {
      if (t.numel() == 0) continue;
      throw Error(util::cat(file.string(), ": tensor '", key,
                            "' has no storage record in the archive"));
    }
    const StorageRecord& record = it->second;
    const auto reached = reached_bytes(t);
    if (!reached) {
      throw Error(util::cat(file.string(), ": tensor '", key, "' has a negative or overflowing ",
                            "storage offset or stride into storage '", record.name, "'"));
    }
    const uint64_t needed = std::max<uint64_t>(*reached, t.storage().nbytes());
    if (needed > record.bytes) {
      throw Error(util::cat(file.string(), ": tensor '", key, "' needs ", needed,
                            " bytes of storage '", record.name, "', which holds ", record.bytes));
    }
  }
}

}  // namespace

StateDict read_state_dict(const fs::path& file) { return models::read_torch_save(file).state; }

models::TorchSaveFile models::read_torch_save(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw Error(fmt::format("{}: state dict not found", file.string()));
  util::require_regular_file(file);
  check_header(file);

  c10::IValue top;
  StorageRecords storages;
  try {
    caffe2::serialize::PyTorchStreamReader reader(file.string());
    const auto records = record_names(reader);
    const bool torchscript = records.contains("constants.pkl") ||
                             std::any_of(records.begin(), records.end(), [](const auto& r) {
                               return r.starts_with("code/");
                             });
    if (torchscript) {
      throw Error(fmt::format(
          "{}: a TorchScript module or LibTorch archive (e.g. an old-format torchvino "
          "checkpoint), not a state dict saved with torch.save",
          file.string()));
    }
    if (!records.contains("data.pkl")) {
      throw Error(fmt::format("{}: a zip file without data.pkl: not written by torch.save",
                              file.string()));
    }
    top = unpickle_archive(reader, file, storages);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: cannot be read as a torch.save file (truncated or corrupt?): {}",
                            file.string(), first_line(e.what())));
  }
  StateDict state = to_state_dict(top, file);
  check_storage_bounds(state, storages, file);
  return {std::move(top), std::move(state)};
}

}  // namespace torchvino
