#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>

#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/data_source.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> sorted_subfolders(const fs::path& root) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::vector<std::string> image_folder_classes(const fs::path& root) {
  if (!fs::is_directory(root)) throw Error(util::cat(root.string(), ": image folder not found"));
  if (fs::is_regular_file(root / "labels.txt")) return read_class_names(root / "labels.txt");
  return sorted_subfolders(root);
}

ImageFolder scan_image_folder(const fs::path& root, const std::vector<std::string>& classes) {
  if (!fs::is_directory(root)) throw Error(util::cat(root.string(), ": image folder not found"));
  ImageFolder out;
  out.class_names = classes.empty() ? image_folder_classes(root) : classes;
  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < out.class_names.size(); ++i) {
    index[out.class_names[i]] = static_cast<int64_t>(i);
  }

  std::vector<std::pair<int64_t, fs::path>> found;
  for (const auto& name : sorted_subfolders(root)) {
    const auto it = index.find(name);
    if (it == index.end()) {
      throw Error(util::cat((root / name).string(), ": folder '", name,
                            "' is not one of the dataset's ", out.class_names.size(), " classes"));
    }
    for (const auto& entry : fs::recursive_directory_iterator(root / name)) {
      if (entry.is_regular_file() && has_image_extension(entry.path())) {
        found.emplace_back(it->second, entry.path());
      }
    }
  }
  if (found.empty()) {
    throw Error(
        util::cat(root.string(), ": no images (*", util::join(image_extensions(), ", *"), ") in class sub-folders"));
  }
  std::sort(found.begin(), found.end());
  for (auto& [label, file] : found) {
    out.labels.push_back(label);
    out.files.push_back(std::move(file));
  }
  return out;
}

std::shared_ptr<DataSource> open_image_folder(const fs::path& root, const Preprocessing& p,
                                                    const Subset& subset, const std::vector<std::string>& classes,
                                                    const InputLimits& limits) {
  return open_image_files(scan_image_folder(root, classes), p, subset, limits);
}

std::shared_ptr<DataSource> open_image_files(ImageFolder folder, const Preprocessing& p, const Subset& subset,
                                             const InputLimits& limits) {
  std::vector<fs::path> files;
  std::vector<int64_t> labels;
  for (const int64_t i : subset.indices(static_cast<int64_t>(folder.files.size()))) {
    files.push_back(std::move(folder.files[static_cast<size_t>(i)]));
    labels.push_back(folder.labels[static_cast<size_t>(i)]);
  }
  const auto num_classes = static_cast<int64_t>(folder.class_names.size());
  return image_file_source(std::move(files), std::move(labels), p, num_classes, std::move(folder.class_names),
                           limits);
}

Dataset load_image_folder(const fs::path& root, const Preprocessing& p, const Subset& subset,
                          const std::vector<std::string>& classes, const InputLimits& limits) {
  return materialize(open_image_folder(root, p, subset, classes, limits));
}

}  // namespace torchvino
