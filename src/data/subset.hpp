#pragma once
// Picking a Subset's items out of a split held in memory.
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace torchvino {

// The items of `all` (along dimension 0) at `indices`; a view when they are the first ones in order.
torch::Tensor select_items(const torch::Tensor& all, const std::vector<int64_t>& indices);

}  // namespace torchvino
