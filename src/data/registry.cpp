#include <array>

#include "util/named_table.hpp"
#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

// One row per dataset: adding one is a loader plus a row here.
const std::array<DatasetInfo, 4>& datasets() {
  static const std::array<DatasetInfo, 4> table = {{
      {"fashion-mnist", 1, 28, 10, {{0.2860f}, {0.3530f}}, "/usr/share/datasets/fashion-mnist",
       "install it with `apt-get install dataset-fashion-mnist` or set data_dir to a folder with "
       "the four Fashion-MNIST IDX files",
       Resize::Squash, load_mnist_format,
       {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}},
      {"mnist", 1, 28, 10, {{0.1307f}, {0.3081f}}, fs::path("data") / "mnist",
       "download it with `torchvino download mnist {dir}`", Resize::Squash, load_mnist_format,
       {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, download_mnist},
      {"cifar10", 3, 32, 10, imagenet_normalization(), fs::path("data") / "cifar-10-batches-bin",
       "download the binary version from https://www.cs.toronto.edu/~kriz/cifar.html, "
       "extract it and set data_dir to its cifar-10-batches-bin folder",
       Resize::Squash, load_cifar10},
      {"folder", 3, 224, 0, imagenet_normalization(), {},
       "set data_dir to a folder with train/ and val/ (or test/) sub-folders of class folders",
       Resize::CentreCrop, load_folder_dataset},
  }};
  return table;
}

std::string how_to_get(const DatasetInfo& d, const fs::path& dir) {
  std::string hint = d.how_to_get;
  const std::string placeholder = "{dir}";
  if (const auto at = hint.find(placeholder); at != std::string::npos) {
    hint.replace(at, placeholder.size(), dir.string());
  }
  return hint;
}

}  // namespace

std::vector<std::string> dataset_names() { return util::row_names(datasets()); }

std::vector<std::string> downloadable_dataset_names() {
  std::vector<std::string> names;
  for (const auto& d : datasets())
    if (d.download) names.push_back(d.name);
  return names;
}

const DatasetInfo& dataset_info(const std::string& name) {
  return util::find_row(datasets(), name, "dataset");
}

Preprocessing preprocessing_for_input(const DatasetInfo& dataset, int64_t channels,
                                      int64_t image_size) {
  Preprocessing p;
  p.mean = dataset.normalization.mean;
  p.std = dataset.normalization.std;
  p.channels = channels;
  if (dataset.resize == Resize::CentreCrop) {
    // Images of any size: always resized and cropped, even to the dataset's own size.
    p.imagenet_geometry(image_size);
  } else if (image_size != dataset.image_size) {
    p.resize = image_size;
    p.keep_aspect = false;
  }
  // Colour converted to luma is normalised with the first channel's statistics.
  if (channels == 1 && p.mean.size() > 1) p.mean = {p.mean.front()};
  if (channels == 1 && p.std.size() > 1) p.std = {p.std.front()};
  return p;
}

Preprocessing default_preprocessing(const std::string& name) {
  const DatasetInfo& d = dataset_info(name);
  return preprocessing_for_input(d, d.channels, d.image_size);
}

Dataset load_dataset(const DatasetOptions& options, Split split) {
  const DatasetInfo& d = dataset_info(options.name);
  const Preprocessing p =
      options.preprocessing ? *options.preprocessing : default_preprocessing(d.name);
  const fs::path dir = options.data_dir.empty() ? d.default_dir : options.data_dir;
  if (dir.empty()) {
    throw Error(util::cat("dataset '", d.name, "' has no default folder: ", how_to_get(d, dir)), "data_dir");
  }
  if (!fs::is_directory(dir)) {
    throw Error(util::cat(d.name, " data folder ", dir.string(), " not found: ", how_to_get(d, dir)), "data_dir");
  }
  if (options.limit < 0) {
    throw Error(util::cat("load_dataset: limit must not be negative, got ", options.limit));
  }
  Subset subset(options.limit);
  subset.shuffle_seed = options.shuffle_seed;
  Dataset data = d.load(dir, split, p, subset, options.limits);
  if (data.class_names.empty()) data.class_names = d.labels;
  return data;
}

}  // namespace torchvino
