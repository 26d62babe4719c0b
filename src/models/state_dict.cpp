#include "torchvino/state_dict.hpp"

#include <caffe2/serialize/inline_container.h>
#include <fmt/format.h>
#include <torch/csrc/jit/serialization/unpickler.h>
#include <torch/torch.h>

#include <array>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "torchvino/error.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

// How many keys of each kind an error message lists before "… and N more".
constexpr size_t kListedKeys = 5;

std::string shape_text(c10::IntArrayRef sizes) {
  if (sizes.empty()) return "scalar";
  std::string text;
  for (size_t i = 0; i < sizes.size(); ++i) text += (i ? "×" : "") + std::to_string(sizes[i]);
  return text;
}

std::string key_list(const std::vector<std::string>& keys) {
  std::string text;
  for (size_t i = 0; i < keys.size() && i < kListedKeys; ++i) text += (i ? ", " : "") + keys[i];
  if (keys.size() > kListedKeys) text += fmt::format(", … and {} more", keys.size() - kListedKeys);
  return text;
}

std::string counted(size_t n, const char* singular, const char* plural) {
  return fmt::format("{} {}", n, n == 1 ? singular : plural);
}

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


// ---- OrderedDict support -------------------------------------------------------------------
// torch.save(model.state_dict()) pickles a collections.OrderedDict: `OrderedDict()` (GLOBAL,
// EMPTY_TUPLE, REDUCE), its items (SETITEMS), then its `_metadata` attribute (a dict of further
// OrderedDicts, applied with BUILD). LibTorch 2.15's unpickler turns OrderedDict() into None, so
// the SETITEMS that follow fail ("Expected GenericDict but got None"); its BUILD only works for
// TorchScript objects, and it has no POP opcode. So before LibTorch reads the pickle, it is
// rewritten (protocol 2 has no byte offsets, so lengths may change):
//   GLOBAL collections.OrderedDict, or BINGET of it   →  EMPTY_DICT
//   the EMPTY_TUPLE + REDUCE that called it           →  (removed): the empty dict stays
//   <state> BUILD on such a dict (sets _metadata)     →  (removed)
// Finding what BUILD applies to needs the stack, so the walk tracks, for each stack item, where
// its construction started in the stream. A plain dict holds OrderedDicts too (each tensor's
// empty backward-hooks argument, which LibTorch ignores): they become empty dicts, harmlessly.
// An opcode the walk does not know leaves the pickle untouched for LibTorch to judge.

struct Item {
  size_t start = 0;           // offset of the first opcode that built it
  bool od_class = false;      // the OrderedDict class (rewritten to an empty dict)
  bool od_instance = false;   // OrderedDict() (an empty dict after the rewrite)
  bool empty_tuple = false;
};

uint64_t little_endian(const std::string& data, size_t pos, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) {
    v |= uint64_t(static_cast<unsigned char>(data[pos + i])) << (8 * i);
  }
  return v;
}

std::string rewrite_ordered_dicts(const std::string& pkl) {
  struct Edit {
    size_t begin, end;
    std::string with;
  };
  std::vector<Edit> edits;  // in increasing, non-overlapping order
  std::vector<Item> stack;
  std::vector<std::pair<size_t, size_t>> marks;  // (stack height, offset)
  std::set<uint64_t> od_memo;                    // memo slots holding the OrderedDict class
  const std::string od_global = "collections\nOrderedDict\n";

  auto pop = [&](Item& out) {
    if (stack.empty()) return false;
    out = stack.back();
    stack.pop_back();
    return true;
  };
  auto pop_to_mark = [&](size_t& mark_offset) {
    if (marks.empty() || marks.back().first > stack.size()) return false;
    stack.resize(marks.back().first);
    mark_offset = marks.back().second;
    marks.pop_back();
    return true;
  };

  size_t pos = 0;
  while (pos < pkl.size()) {
    const auto op = static_cast<unsigned char>(pkl[pos]);
    size_t next = pos + 1;
    auto fixed = [&](size_t n) { next += n; };
    auto counted = [&](size_t n) {
      if (next + n > pkl.size()) return;
      next += n + little_endian(pkl, next, n);
    };
    auto lines = [&](int n) {
      for (int l = 0; l < n; ++l) {
        const size_t eol = pkl.find('\n', next);
        next = eol == std::string::npos ? pkl.size() + 1 : eol + 1;
      }
    };
    Item a, b, c;
    size_t mark_offset = 0;
    bool ok = true;
    switch (op) {
      case 0x80: fixed(1); break;                      // PROTO
      case '.': next = pkl.size(); break;              // STOP
      case '(': marks.emplace_back(stack.size(), pos); break;
      // Pushes of one value.
      case ']': case 'N': case 0x88: case 0x89: case '}':
        stack.push_back({pos});
        break;
      case ')': stack.push_back({pos, false, false, true}); break;
      case 'K': fixed(1); stack.push_back({pos}); break;
      case 'M': fixed(2); stack.push_back({pos}); break;
      case 'J': fixed(4); stack.push_back({pos}); break;
      case 'G': fixed(8); stack.push_back({pos}); break;
      case 0x8a: case 'U': case 'C': case 0x8c: counted(1); stack.push_back({pos}); break;
      case 'X': case 'T': case 'B': case 0x8b: counted(4); stack.push_back({pos}); break;
      case 0x8d: case 0x8e: counted(8); stack.push_back({pos}); break;
      case 'I': case 'L': case 'S': case 'V': case 'F': lines(1); stack.push_back({pos}); break;
      case 'h': case 'j': {
        fixed(op == 'h' ? 1 : 4);
        const bool od = od_memo.contains(little_endian(pkl, pos + 1, op == 'h' ? 1 : 4));
        if (od) edits.push_back({pos, next, "}"});
        stack.push_back({pos, od});
        break;
      }
      case 'c': {
        lines(2);
        const bool od = next <= pkl.size() && next - pos - 1 == od_global.size() &&
                        pkl.compare(pos + 1, od_global.size(), od_global) == 0;
        if (od) edits.push_back({pos, next, "}"});
        stack.push_back({pos, od});
        break;
      }
      case 'q': case 'r':
        fixed(op == 'q' ? 1 : 4);
        if (stack.empty()) ok = false;
        else if (stack.back().od_class) od_memo.insert(little_endian(pkl, pos + 1, op == 'q' ? 1 : 4));
        break;
      // Containers.
      case 't': case 'l': case 'd':
        ok = pop_to_mark(mark_offset);
        stack.push_back({mark_offset});
        break;
      case 'u': case 'e': ok = pop_to_mark(mark_offset); break;
      case 's': ok = pop(a) && pop(b); break;
      case 'a': ok = pop(a); break;
      case 0x85: ok = pop(a); stack.push_back({a.start}); break;
      case 0x86: ok = pop(a) && pop(b); stack.push_back({b.start}); break;
      case 0x87: ok = pop(a) && pop(b) && pop(c); stack.push_back({c.start}); break;
      case 'Q': ok = pop(a); stack.push_back({a.start}); break;
      case 0x81: ok = pop(a) && pop(b); stack.push_back({b.start}); break;  // NEWOBJ
      case 'R': {  // REDUCE: callable args → result
        ok = pop(a) && pop(b);
        const bool od = ok && b.od_class && a.empty_tuple;
        if (od) {
          // OrderedDict(): drop the call, keep the empty dict the class became.
          while (!edits.empty() && edits.back().begin >= a.start) edits.pop_back();
          edits.push_back({a.start, next, ""});
        }
        stack.push_back({b.start, false, od});
        break;
      }
      case 'b':  // BUILD: object state → object
        ok = pop(a) && !stack.empty();
        if (ok && stack.back().od_instance) {
          while (!edits.empty() && edits.back().begin >= a.start) edits.pop_back();
          edits.push_back({a.start, next, ""});
        }
        break;
      default:
        return pkl;  // not a pickle this walk understands: leave it to LibTorch
    }
    if (!ok || next > pkl.size()) return pkl;
    pos = next;
  }

  std::string out;
  out.reserve(pkl.size());
  size_t copied = 0;
  for (const Edit& e : edits) {
    out.append(pkl, copied, e.begin - copied);
    out += e.with;
    copied = e.end;
  }
  out.append(pkl, copied, std::string::npos);
  return out;
}

// Unpickles data.pkl of a torch.save zip archive (tensors from data/<key>, mapped to the CPU).
c10::IValue unpickle_archive(caffe2::serialize::PyTorchStreamReader& reader) {
  auto [record, size] = reader.getRecord("data.pkl");
  const std::string pkl =
      rewrite_ordered_dicts(std::string(static_cast<const char*>(record.get()), size));
  size_t offset = 0;
  auto read = [&](char* buffer, size_t n) {
    n = std::min(n, pkl.size() - offset);
    std::memcpy(buffer, pkl.data() + offset, n);
    offset += n;
    return n;
  };
  auto read_record = [&](const std::string& key) {
    return std::get<0>(reader.getRecord("data/" + key));
  };
  torch::jit::Unpickler unpickler(read, /*type_resolver=*/nullptr, /*obj_loader=*/nullptr,
                                  read_record, at::Device(at::kCPU));
  unpickler.set_version(reader.version());
  return unpickler.parse_ivalue();
}

}  // namespace

std::vector<std::string> StateDictLoad::skipped() const {
  std::vector<std::string> names = missing;
  for (const auto& m : mismatched) names.push_back(m.substr(0, m.find(':')));
  return names;
}

StateDict read_state_dict(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw Error(fmt::format("{}: state dict not found", file.string()));
  if (fs::is_directory(file, ec)) {
    throw Error(fmt::format("{}: is a folder, not a state dict file", file.string()));
  }
  check_header(file);

  c10::IValue top;
  try {
    caffe2::serialize::PyTorchStreamReader reader(file.string());
    const auto records = record_names(reader);
    const bool torchscript = records.contains("constants.pkl") ||
                             std::any_of(records.begin(), records.end(), [](const auto& r) {
                               return r.starts_with("code/");
                             });
    if (torchscript) {
      throw Error(fmt::format(
          "{}: a TorchScript module or LibTorch archive (e.g. a torchvino checkpoint), not a state "
          "dict saved with torch.save",
          file.string()));
    }
    if (!records.contains("data.pkl")) {
      throw Error(fmt::format("{}: a zip file without data.pkl: not written by torch.save",
                              file.string()));
    }
    top = unpickle_archive(reader);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: cannot be read as a torch.save file (truncated or corrupt?): {}",
                            file.string(), first_line(e.what())));
  }
  return to_state_dict(top, file);
}

StateDictLoad load_state_dict(Model& model, const fs::path& file, bool strict) {
  return load_state_dict(model, read_state_dict(file), strict, file.string());
}

StateDictLoad load_state_dict(Model& model, const StateDict& state, bool strict,
                              const std::string& source) {
  // The model's tensors in a stable order: parameters, then buffers.
  std::vector<std::pair<std::string, torch::Tensor>> targets;
  std::set<std::string> target_names;
  for (const auto& p : model.module().named_parameters(/*recurse=*/true)) {
    targets.emplace_back(p.key(), p.value());
    target_names.insert(p.key());
  }
  for (const auto& b : model.module().named_buffers(/*recurse=*/true)) {
    targets.emplace_back(b.key(), b.value());
    target_names.insert(b.key());
  }

  // nn.DataParallel saves "module.layer1.0.weight".
  const std::string prefix = "module.";
  const bool strip = !state.empty() &&
                     std::all_of(state.begin(), state.end(),
                                 [&](const auto& e) { return e.first.starts_with(prefix); }) &&
                     !target_names.contains(state.front().first);
  std::map<std::string, torch::Tensor> by_name;
  std::vector<std::string> file_order;
  for (const auto& [key, tensor] : state) {
    std::string name = strip ? key.substr(prefix.size()) : key;
    if (by_name.emplace(name, tensor).second) file_order.push_back(name);
  }

  StateDictLoad result;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // (target, value)
  std::vector<torch::Tensor> to_zero;
  for (const auto& [name, target] : targets) {
    const auto it = by_name.find(name);
    if (it == by_name.end()) {
      if (name.ends_with(".num_batches_tracked") || name == "num_batches_tracked") {
        result.defaulted.push_back(name);
        to_zero.push_back(target);
      } else {
        result.missing.push_back(name);
      }
      continue;
    }
    const torch::Tensor& value = it->second;
    if (value.sizes() != target.sizes()) {
      result.mismatched.push_back(fmt::format("{}: file {}, model {}", name,
                                              shape_text(value.sizes()),
                                              shape_text(target.sizes())));
      continue;
    }
    result.loaded.push_back(name);
    copies.emplace_back(target, value);
  }
  for (const auto& name : file_order) {
    if (!target_names.contains(name)) result.unexpected.push_back(name);
  }

  if (strict && (!result.missing.empty() || !result.unexpected.empty() ||
                 !result.mismatched.empty())) {
    std::vector<std::string> parts;
    if (!result.missing.empty()) {
      parts.push_back(fmt::format("{} (in the model, not in the file): {}",
                                  counted(result.missing.size(), "missing key", "missing keys"),
                                  key_list(result.missing)));
    }
    if (!result.unexpected.empty()) {
      parts.push_back(fmt::format(
          "{} (in the file, not in the model): {}",
          counted(result.unexpected.size(), "unexpected key", "unexpected keys"),
          key_list(result.unexpected)));
    }
    if (!result.mismatched.empty()) {
      parts.push_back(fmt::format(
          "{}: {}", counted(result.mismatched.size(), "shape mismatch", "shape mismatches"),
          key_list(result.mismatched)));
    }
    std::string all;
    for (const auto& part : parts) all += (all.empty() ? "" : "; ") + part;
    const ModelSpec& s = model.spec;
    throw Error(fmt::format(
        "{}: the state dict does not match the model ({}, {} input channel(s), {} classes, "
        "{}×{} images): {}. Nothing was loaded; non-strict loading skips these entries (e.g. to "
        "fine-tune with another number of classes)",
        source, s.arch, s.in_channels, s.num_classes, s.image_size, s.image_size, all));
  }

  torch::NoGradGuard no_grad;
  for (auto& [target, value] : copies) target.copy_(value);  // converts the dtype if needed
  for (auto& target : to_zero) target.zero_();
  return result;
}

}  // namespace torchvino
