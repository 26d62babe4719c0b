#pragma once
// Old-format checkpoints: a TorchScript archive (torch::serialize::OutputArchive) holding
// the spec as JSON under "torchvino.spec" and the tensors by name. PyTorch 2.6+ cannot open them
// with torch.load's default weights_only=True; they are read for one more release.
#include <filesystem>

#include "torchvino/models.hpp"

namespace torchvino::models {

// True when `file` is a zip archive with TorchScript records (code/, constants.pkl). A file that
// cannot be opened as a zip is not one: the caller's reader reports it.
bool is_torchscript_archive(const std::filesystem::path& file);

// Reads an old-format checkpoint. Throws Error naming the file when it is not one or does not match its
// spec.
Model load_legacy_checkpoint(const std::filesystem::path& file);

}  // namespace torchvino::models
