#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void unknown_dataset(const std::string& name) {
  throw Error(
      util::cat("unknown dataset '", name, "' (known: ", util::join(dataset_names(), ", "), ")"));
}

bool is_mnist_like(const std::string& name) {
  return name == "fashion-mnist" || name == "mnist";
}

// What to tell a user whose data folder does not exist.
std::string how_to_get(const std::string& name, const fs::path& dir) {
  if (name == "fashion-mnist") {
    return "install it with `apt-get install dataset-fashion-mnist` or pass --data-dir with the "
           "four Fashion-MNIST IDX files";
  }
  if (name == "mnist")
    return util::cat("download it with `torchvino download mnist ", dir.string(), "`");
  if (name == "cifar10") {
    return "download the binary version from https://www.cs.toronto.edu/~kriz/cifar.html, "
           "extract it and pass --data-dir with its cifar-10-batches-bin folder";
  }
  return "pass --data-dir with train/ and val/ (or test/) sub-folders of class folders";
}

}  // namespace

std::vector<std::string> dataset_names() {
  return {"fashion-mnist", "mnist", "cifar10", "folder"};
}

Normalization dataset_normalization(const std::string& name) {
  if (name == "fashion-mnist") return {{0.2860f}, {0.3530f}};
  if (name == "mnist") return {{0.1307f}, {0.3081f}};
  if (name == "cifar10" || name == "folder") return imagenet_normalization();
  unknown_dataset(name);
}

fs::path default_data_dir(const std::string& name) {
  if (name == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  if (name == "mnist") return fs::path("data") / "mnist";
  if (name == "cifar10") return fs::path("data") / "cifar-10-batches-bin";
  if (name == "folder") {
    throw Error("dataset 'folder' has no default folder: " + how_to_get(name, {}));
  }
  unknown_dataset(name);
}

Preprocessing default_preprocessing(const std::string& name) {
  if (name == "folder") return Preprocessing::imagenet(224);
  const Normalization n = dataset_normalization(name);
  Preprocessing p;
  p.mean = n.mean;
  p.std = n.std;
  p.channels = is_mnist_like(name) ? 1 : 3;
  return p;
}

namespace {

Dataset load_folder_dataset(const fs::path& dir, Split split, const Preprocessing& p,
                            int64_t limit) {
  fs::path root = dir / "train";
  if (split == Split::Test) root = fs::is_directory(dir / "val") ? dir / "val" : dir / "test";
  if (!fs::is_directory(root)) {
    throw Error(util::cat(dir.string(), ": no ",
                          split == Split::Train ? "train/ sub-folder" : "val/ or test/ sub-folder",
                          " (", how_to_get("folder", dir), ")"));
  }
  // Both splits must number classes alike, even when the test split lacks a class folder.
  std::vector<std::string> classes;
  if (fs::is_regular_file(dir / "labels.txt")) {
    classes = read_class_names(dir / "labels.txt");
  } else if (!fs::is_regular_file(root / "labels.txt") && fs::is_directory(dir / "train")) {
    classes = image_folder_classes(dir / "train");
  }
  return load_image_folder(root, p, limit, classes);
}

}  // namespace

Dataset load_dataset(const DatasetOptions& options, Split split) {
  const std::string& name = options.name;
  const Preprocessing p =
      options.preprocessing ? *options.preprocessing : default_preprocessing(name);
  const fs::path dir = options.data_dir.empty() ? default_data_dir(name) : options.data_dir;
  if (!fs::is_directory(dir)) {
    throw Error(
        util::cat(name, " data folder ", dir.string(), " not found: ", how_to_get(name, dir)));
  }
  if (options.limit < 0) {
    throw Error(util::cat("load_dataset: limit must not be negative, got ", options.limit));
  }
  if (name == "cifar10") return load_cifar10(dir, split, p, options.limit);
  if (name == "folder") return load_folder_dataset(dir, split, p, options.limit);
  return load_mnist_format(dir, split, p, options.limit);
}

}  // namespace torchvino
