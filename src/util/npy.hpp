#pragma once
// NumPy .npy files, so that tools outside C++ (e.g. NNCF in the benchmark) can be fed exactly the
// tensors torchvino used.
#include <torch/types.h>

#include <filesystem>

namespace torchvino {

// Writes a float32 tensor (any shape, C order) as .npy format 1.0, atomically.
void save_npy(const torch::Tensor& tensor, const std::filesystem::path& path);

}  // namespace torchvino
