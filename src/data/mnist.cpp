#include <torch/torch.h>

#include "data/subset.hpp"
#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/data_source.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

// The uncompressed file when both exist: it loads faster.
fs::path find_mnist_file(const fs::path& dir, const std::string& base) {
  const fs::path plain = dir / base;
  const fs::path gz = dir / (base + ".gz");
  if (fs::exists(plain)) return plain;
  if (fs::exists(gz)) return gz;
  throw Error(util::cat(plain.string(), ": file not found (nor ", gz.filename().string(), ")"));
}

}  // namespace

std::shared_ptr<DataSource> open_mnist_format(const fs::path& dir, Split split, const Preprocessing& p,
                                                    const Subset& subset, const InputLimits& limits) {
  if (!fs::is_directory(dir)) throw Error(util::cat(dir.string(), ": data folder not found"));
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const fs::path image_file = find_mnist_file(dir, prefix + "-images-idx3-ubyte");
  const fs::path label_file = find_mnist_file(dir, prefix + "-labels-idx1-ubyte");

  IdxArray images = read_idx(image_file, limits);
  if (images.dims.size() != 3) {
    throw Error(util::cat(image_file.string(), ": expected 3 dimensions (count × 28 × 28), found ",
                          images.dims.size(), ": [", util::join(images.dims, ", "), "]"));
  }
  if (images.dims[1] != 28 || images.dims[2] != 28) {
    throw Error(util::cat(image_file.string(), ": images are ", images.dims[1], "×", images.dims[2],
                          ", expected 28×28"));
  }
  IdxArray labels = read_idx(label_file, limits);
  if (labels.dims.size() != 1) {
    throw Error(util::cat(label_file.string(), ": expected 1 dimension for labels, found ",
                          labels.dims.size(), ": [", util::join(labels.dims, ", "), "]"));
  }
  if (images.dims[0] != labels.dims[0]) {
    throw Error(util::cat("image and label counts differ: ", image_file.string(), " has ",
                          images.dims[0], " images, ", label_file.string(), " has ", labels.dims[0],
                          " labels"));
  }
  for (size_t i = 0; i < labels.data.size(); ++i) {
    if (labels.data[i] >= 10) {
      throw Error(util::cat(label_file.string(), ": label ", labels.data[i], " at index ", i,
                            " is out of range 0..9"));
    }
  }

  // from_blob borrows the vectors' memory; select_items' copy (clone for the first items) keeps it.
  const auto pixels =
      torch::from_blob(images.data.data(), {images.dims[0], 1, 28, 28}, torch::kUInt8);
  const auto classes = torch::from_blob(labels.data.data(), {labels.dims[0]}, torch::kUInt8);
  const auto chosen = subset.indices(images.dims[0]);
  return raw_image_source(select_items(pixels, chosen).clone(), select_items(classes, chosen).to(torch::kLong), p, 10);
}

Dataset load_mnist_format(const fs::path& dir, Split split, const Preprocessing& p, const Subset& subset,
                          const InputLimits& limits) {
  return materialize(open_mnist_format(dir, split, p, subset, limits));
}

}  // namespace torchvino
