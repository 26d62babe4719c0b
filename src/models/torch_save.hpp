#pragma once
// The whole content of a torch.save file, for readers that need more than its state dict (a
// torchvino checkpoint keeps its model spec next to the tensors).
#include <ATen/core/ivalue.h>

#include <filesystem>

#include "torchvino/state_dict.hpp"

namespace torchvino::models {

struct TorchSaveFile {
  c10::IValue top;  // the unpickled object, as torch.load returns it
  StateDict state;  // the state dict read_state_dict finds in it, every tensor bounds-checked
};

// read_state_dict, keeping the top-level object: same checks, same errors naming the file.
TorchSaveFile read_torch_save(const std::filesystem::path& file);

}  // namespace torchvino::models
