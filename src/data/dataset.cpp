#include <algorithm>

#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

Dataset Dataset::head(int64_t n) const {
  if (n < 0) throw Error(util::cat("cannot take the first ", n, " items of a dataset"));
  const int64_t keep = std::min(n, size());
  Dataset out = *this;
  if (keep == size()) return out;
  out.images = images.narrow(0, 0, keep);
  out.labels = labels.narrow(0, 0, keep);
  return out;
}

}  // namespace torchvino
