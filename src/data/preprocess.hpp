#pragma once
// The arithmetic preprocess_batch and bake_preprocessing share, so the graph baked into a deployed
// model and the LibTorch path can never disagree.
#include <cstdint>
#include <utility>
#include <vector>

#include "torchvino/data.hpp"

namespace torchvino {

// Output size {height, width} of the resize step, following torchvision's rule for a single-int
// size: the shorter side becomes p.resize, the longer one is scaled and truncated.
std::pair<int64_t, int64_t> resized_size(int64_t h, int64_t w, const Preprocessing& p);

// `v` (one value, or one per channel) as one value per channel.
std::vector<float> per_channel(const std::vector<float>& v, int64_t channels);

}  // namespace torchvino
