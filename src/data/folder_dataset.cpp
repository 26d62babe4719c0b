#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/data_source.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace fs = std::filesystem;

std::shared_ptr<DataSource> open_folder_dataset(const fs::path& dir, Split split, const Preprocessing& p,
                                                      const Subset& subset, const InputLimits& limits) {
  fs::path root = dir / "train";
  if (split == Split::Test) root = fs::is_directory(dir / "val") ? dir / "val" : dir / "test";
  if (!fs::is_directory(root)) {
    throw Error(util::cat(dir.string(), ": no ",
                          split == Split::Train ? "train/ sub-folder" : "val/ or test/ sub-folder",
                          " (", dataset_info("folder").how_to_get, ")"),
                "data_dir");
  }
  // Both splits must number classes alike, even when the test split lacks a class folder.
  std::vector<std::string> classes;
  if (fs::is_regular_file(dir / "labels.txt")) {
    classes = read_class_names(dir / "labels.txt");
  } else if (!fs::is_regular_file(root / "labels.txt") && fs::is_directory(dir / "train")) {
    classes = image_folder_classes(dir / "train");
  }
  return open_image_folder(root, p, subset, classes, limits);
}

Dataset load_folder_dataset(const fs::path& dir, Split split, const Preprocessing& p, const Subset& subset,
                            const InputLimits& limits) {
  return materialize(open_folder_dataset(dir, split, p, subset, limits));
}

}  // namespace torchvino
