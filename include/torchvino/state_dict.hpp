#pragma once
#include <torch/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "torchvino/models.hpp"

namespace torchvino {

// PyTorch state dicts: the files Python users write with `torch.save(model.state_dict(), f)`.
//
// Only the zip format of torch.save (the default since PyTorch 1.6) can be read; files written
// with `_use_new_zipfile_serialization=False` or by older PyTorch versions are rejected with an
// Error saying how to re-save them. Both an OrderedDict (what state_dict() returns) and a plain
// dict are accepted. Tensors saved from a GPU are loaded onto the CPU.

// A state dict's entries in file order: name → tensor (CPU).
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

// Reads a state dict saved by torch.save. Also accepted: a training checkpoint whose top-level
// dict holds the state dict under "state_dict", "model_state_dict" or "model" (the other entries,
// e.g. the optimizer state, are ignored). Throws Error naming the file when it is missing,
// truncated, not a zip file written by torch.save, in the legacy format, or holds anything other
// than a dict of tensors keyed by strings.
StateDict read_state_dict(const std::filesystem::path& file);

// What load_state_dict did, key by key (names as in the model).
struct StateDictLoad {
  std::vector<std::string> loaded;      // copied into the model
  std::vector<std::string> missing;     // in the model, not in the file: left as they were
  std::vector<std::string> unexpected;  // in the file, not in the model: ignored
  std::vector<std::string> mismatched;  // in both with different shapes: left as they were,
                                        // each "name: file 10×1568, model 5×1568"
  // `*.num_batches_tracked` buffers the file lacks (state dicts of PyTorch < 0.4.1): set to 0 and
  // never an error, as PyTorch's BatchNorm does. Not listed in `missing`.
  std::vector<std::string> defaulted;

  // Everything left as initialised: missing + mismatched names (the bare key names).
  std::vector<std::string> skipped() const;
};

// Copies a state dict into the model's parameters and buffers by name (e.g. layer1.0.weight,
// layer1.1.running_mean, fc.bias), converting dtypes where needed (a float64 tensor into a float32
// parameter, ...). If every key of the file starts with "module." (a model wrapped in
// nn.DataParallel when saved), that prefix is dropped.
//
// strict: missing keys, unexpected keys and shape mismatches are an Error naming the file and the
// offending keys (the first few of each kind, with their count); nothing is copied then.
// Non-strict (e.g. fine-tuning with another num_classes): those entries are skipped, everything
// else is loaded, and the returned StateDictLoad lists what was skipped; a file of which no entry
// matches (which would leave the model as randomly initialised) is an Error. Either way an
// unreadable file is an Error (see read_state_dict).
StateDictLoad load_state_dict(Model& model, const std::filesystem::path& file, bool strict = true);
// The same from a state dict already in memory; `source` names it in error messages.
StateDictLoad load_state_dict(Model& model, const StateDict& state, bool strict = true,
                              const std::string& source = "state dict");

}  // namespace torchvino
