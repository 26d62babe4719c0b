#include <torch/torch.h>

#include <array>
#include <map>

#include "util/named_table.hpp"
#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/data_source.hpp"
#include "torchvino/labels.hpp"
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
       Resize::Squash, open_mnist_format,
       {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}},
      {"mnist", 1, 28, 10, {{0.1307f}, {0.3081f}}, fs::path("data") / "mnist",
       "download it with `torchvino download mnist {dir}`", Resize::Squash, open_mnist_format,
       {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, download_mnist},
      {"cifar10", 3, 32, 10, imagenet_normalization(), fs::path("data") / "cifar-10-batches-bin",
       "download the binary version from https://www.cs.toronto.edu/~kriz/cifar.html, "
       "extract it and set data_dir to its cifar-10-batches-bin folder",
       Resize::Squash, open_cifar10},
      {"folder", 3, 224, 0, imagenet_normalization(), {},
       "set data_dir to a folder with train/ and val/ (or test/) sub-folders of class folders",
       Resize::CentreCrop, open_folder_dataset},
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

// The split as a flat folder with a ground-truth file: dir/val|test (dir/train), or dir itself.
std::shared_ptr<DataSource> open_ground_truth(const DatasetInfo& d, const fs::path& dir, Split split,
                                              const Preprocessing& p, const Subset& subset,
                                              const DatasetOptions& options) {
  if (d.resize != Resize::CentreCrop)
    throw Error(util::cat("a ground-truth file is for image folders (dataset folder), not ", d.name), "ground_truth");
  const std::vector<fs::path> candidates =
      split == Split::Train ? std::vector<fs::path>{dir / "train"} : std::vector<fs::path>{dir / "val", dir / "test"};
  fs::path root = dir;
  for (const auto& c : candidates)
    if (fs::is_directory(c)) {
      root = c;
      break;
    }
  std::vector<std::string> classes = options.classes;
  if (classes.empty() && fs::is_regular_file(dir / "labels.txt")) classes = read_class_names(dir / "labels.txt");
  return open_image_files(read_ground_truth(root, options.ground_truth, classes), p, subset, options.limits);
}

// Renumbers a source's labels to `classes` (the model's order), matching class names.
void renumber(DataSource& source, const std::vector<std::string>& classes) {
  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < classes.size(); ++i) index.emplace(classes[i], static_cast<int64_t>(i));
  if (source.class_names.empty())
    throw Error("the dataset does not name its classes, so they cannot be matched to the model's labels", "labels");
  std::vector<int64_t> to(source.class_names.size());
  std::vector<std::string> missing;
  for (size_t i = 0; i < source.class_names.size(); ++i) {
    const auto it = index.find(source.class_names[i]);
    if (it == index.end()) missing.push_back(source.class_names[i]);
    else to[i] = it->second;
  }
  if (!missing.empty()) {
    if (missing.size() > 5) {
      missing.resize(5);
      missing.push_back("...");
    }
    throw Error(util::cat("classes of the dataset not among the model's ", classes.size(), " labels: ",
                          util::join(missing, ", ")), "labels");
  }
  source.labels = torch::tensor(to, torch::kLong).index_select(0, source.labels);
  source.class_names = classes;
  source.num_classes = static_cast<int64_t>(classes.size());
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

std::shared_ptr<const DataSource> open_dataset(const DatasetOptions& options, Split split) {
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
    throw Error(util::cat("load_dataset: limit must not be negative, got ", options.limit), "limit");
  }
  Subset subset(options.limit);
  subset.shuffle_seed = options.shuffle_seed;
  auto source = options.ground_truth.empty() ? d.open(dir, split, p, subset, options.limits)
                                             : open_ground_truth(d, dir, split, p, subset, options);
  if (source->class_names.empty()) source->class_names = d.labels;
  if (!options.classes.empty()) renumber(*source, options.classes);
  return source;
}

Dataset load_dataset(const DatasetOptions& options, Split split) {
  return materialize(open_dataset(options, split), options.threads);
}

}  // namespace torchvino
