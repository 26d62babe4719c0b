// Loading a state dict into a model: matching its keys to the model's parameters and buffers
// (strict or not), checking shapes and dtypes, then copying. Reading the file: torch_save.cpp.
#include "torchvino/state_dict.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <map>
#include <optional>
#include <set>

#include "torchvino/error.hpp"
#include "util/strings.hpp"

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

// The model's tensors in a stable order: parameters, then buffers.
struct ModelTensors {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  std::set<std::string> names;
};

ModelTensors model_tensors(Model& model) {
  ModelTensors targets;
  for (const auto& p : model.module().named_parameters(/*recurse=*/true)) {
    targets.tensors.emplace_back(p.key(), p.value());
    targets.names.insert(p.key());
  }
  for (const auto& b : model.module().named_buffers(/*recurse=*/true)) {
    targets.tensors.emplace_back(b.key(), b.value());
    targets.names.insert(b.key());
  }
  return targets;
}

// The file's tensors under the names the model would give them.
struct FileTensors {
  std::map<std::string, torch::Tensor> by_name;
  std::vector<std::string> order;  // as in the file, for the unexpected keys
};

FileTensors by_model_name(const StateDict& state, const std::set<std::string>& model_names) {
  // nn.DataParallel saves "module.layer1.0.weight".
  const std::string prefix = "module.";
  const bool strip = !state.empty() &&
                     std::all_of(state.begin(), state.end(),
                                 [&](const auto& e) { return e.first.starts_with(prefix); }) &&
                     !model_names.contains(state.front().first);
  FileTensors file;
  for (const auto& [key, tensor] : state) {
    std::string name = strip ? key.substr(prefix.size()) : key;
    if (file.by_name.emplace(name, tensor).second) file.order.push_back(name);
  }
  return file;
}

// What loading will do; nothing is touched until apply().
struct LoadPlan {
  StateDictLoad result;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // (target, value)
  std::vector<torch::Tensor> to_zero;
};

// PyTorch's BatchNorm defaults a missing counter too (state dicts of PyTorch < 0.4.1 lack it).
bool is_batch_counter(const std::string& name) {
  return name.ends_with(".num_batches_tracked") || name == "num_batches_tracked";
}

std::optional<std::string> shape_mismatch(const std::string& name, const torch::Tensor& value,
                                          const torch::Tensor& target) {
  if (value.sizes() == target.sizes()) return std::nullopt;
  return fmt::format("{}: file {}, model {}", name, shape_text(value.sizes()),
                     shape_text(target.sizes()));
}

// The dtypes a parameter or buffer can be loaded from (converted by copy_). Others that a pickle
// can name — bit-packed and sub-byte integers, quantized and complex types — cannot be copied into
// a model and would make copy_ throw mid-load (found by fuzz_checkpoint).
bool loadable(c10::ScalarType t) {
  using S = c10::ScalarType;
  switch (t) {
    case S::Float: case S::Double: case S::Half: case S::BFloat16: case S::Byte: case S::Char:
    case S::Short: case S::Int: case S::Long: case S::Bool:
      return true;
    default:
      return false;
  }
}

LoadPlan match_keys(const ModelTensors& targets, const FileTensors& file, const std::string& source) {
  LoadPlan plan;
  StateDictLoad& result = plan.result;
  for (const auto& [name, target] : targets.tensors) {
    const auto it = file.by_name.find(name);
    if (it == file.by_name.end()) {
      if (is_batch_counter(name)) {
        result.defaulted.push_back(name);
        plan.to_zero.push_back(target);
      } else {
        result.missing.push_back(name);
      }
      continue;
    }
    if (auto mismatch = shape_mismatch(name, it->second, target)) {
      result.mismatched.push_back(std::move(*mismatch));
      continue;
    }
    if (!loadable(it->second.scalar_type()))
      throw Error(fmt::format("{}: tensor '{}' has dtype {}, which cannot be loaded into the model's {} tensor", source, name,
                              c10::toString(it->second.scalar_type()), c10::toString(target.scalar_type())));
    result.loaded.push_back(name);
    plan.copies.emplace_back(target, it->second);
  }
  for (const auto& name : file.order) {
    if (!targets.names.contains(name)) result.unexpected.push_back(name);
  }
  return plan;
}

// Strict loading: anything missing, unexpected or mismatched is an Error listing them all.
void check_strict(const StateDictLoad& result, const ModelSpec& s, const std::string& source) {
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
  if (parts.empty()) return;
  throw Error(fmt::format(
      "{}: the state dict does not match the model ({}, {} input channel(s), {} classes, "
      "{}×{} images): {}. Nothing was loaded; non-strict loading skips these entries (e.g. to "
      "fine-tune with another number of classes)",
      source, s.arch, s.in_channels, s.num_classes, s.image_size, s.image_size,
      util::join(parts, "; ")));
}

void apply(const LoadPlan& plan) {
  torch::NoGradGuard no_grad;
  for (const auto& [target, value] : plan.copies) target.copy_(value);  // converts the dtype
  for (const auto& target : plan.to_zero) target.zero_();
}

}  // namespace

std::vector<std::string> StateDictLoad::skipped() const {
  std::vector<std::string> names = missing;
  for (const auto& m : mismatched) names.push_back(m.substr(0, m.find(':')));
  return names;
}

StateDictLoad load_state_dict(Model& model, const fs::path& file, bool strict) {
  return load_state_dict(model, read_state_dict(file), strict, file.string());
}

StateDictLoad load_state_dict(Model& model, const StateDict& state, bool strict,
                              const std::string& source) {
  const ModelTensors targets = model_tensors(model);
  const FileTensors file = by_model_name(state, targets.names);
  const LoadPlan plan = match_keys(targets, file, source);
  if (strict) check_strict(plan.result, model.spec, source);
  if (plan.result.loaded.empty()) {
    // Non-strict loading of an unrelated file would leave a randomly initialised model.
    throw Error(util::cat(source, ": no entry matches the model's parameters (first keys: ",
                          file.order.empty() ? "none, the file is empty" : key_list(file.order),
                          ")"));
  }
  apply(plan);
  return plan.result;
}

}  // namespace torchvino
