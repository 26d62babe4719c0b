#include "data/subset.hpp"

#include <numeric>
#include <random>

#include "torchvino/data.hpp"
#include "torchvino/error.hpp"
#include "util/strings.hpp"

namespace torchvino {

Subset Subset::drawn(int64_t limit, uint64_t seed) {
  Subset s(limit);
  s.shuffle_seed = seed;
  return s;
}

std::vector<int64_t> Subset::indices(int64_t total) const {
  if (limit < 0) throw Error(util::cat("a subset of ", limit, " items: the count must not be negative"));
  const int64_t n = limit > 0 ? std::min(limit, total) : total;
  std::vector<int64_t> all(static_cast<size_t>(total));
  std::iota(all.begin(), all.end(), int64_t{0});
  if (!shuffle_seed) {
    all.resize(static_cast<size_t>(n));
    return all;
  }
  // The first n steps of a Fisher–Yates shuffle: a uniform draw without replacement. The engine is
  // specified by the standard and the index is taken by rejection, so the draw is the same with
  // every compiler and library (std::shuffle and the distributions are not).
  std::mt19937_64 engine(*shuffle_seed);
  for (int64_t i = 0; i < n; ++i) {
    const auto range = static_cast<uint64_t>(total - i);
    const uint64_t bound = std::mt19937_64::max() - std::mt19937_64::max() % range;
    uint64_t r = engine();
    while (r >= bound) r = engine();
    std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(i + static_cast<int64_t>(r % range))]);
  }
  all.resize(static_cast<size_t>(n));
  return all;
}

torch::Tensor select_items(const torch::Tensor& all, const std::vector<int64_t>& indices) {
  bool leading = true;
  for (size_t i = 0; i < indices.size() && leading; ++i) leading = indices[i] == static_cast<int64_t>(i);
  if (leading) return all.narrow(0, 0, static_cast<int64_t>(indices.size()));
  return all.index_select(0, torch::tensor(indices, torch::kLong));
}

}  // namespace torchvino
