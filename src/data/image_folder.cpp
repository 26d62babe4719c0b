#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>

#include "util/strings.hpp"
#include "torchvino/data.hpp"
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

Dataset load_image_folder(const fs::path& root, const Preprocessing& p, const Subset& subset,
                          const std::vector<std::string>& classes, const InputLimits& limits) {
  ImageFolder folder = scan_image_folder(root, classes);
  const auto chosen = subset.indices(static_cast<int64_t>(folder.files.size()));
  const size_t n = chosen.size();

  torch::Tensor images;
  for (size_t i = 0; i < n; ++i) {
    const fs::path& file = folder.files[static_cast<size_t>(chosen[i])];
    torch::Tensor x;
    try {
      x = preprocess_image(decode_image(file, limits), p);
    } catch (const Error& e) {
      const std::string msg = e.what();
      // decode_image names the file already; preprocessing errors do not.
      if (msg.find(file.string()) != std::string::npos) throw;
      throw Error(util::cat(file.string(), ": ", msg));
    }
    if (!images.defined()) {
      images = torch::empty({static_cast<int64_t>(n), x.size(0), x.size(1), x.size(2)});
    } else if (x.sizes() != images.sizes().slice(1)) {
      throw Error(util::cat(file.string(), ": preprocessed to ", x.size(1), "×", x.size(2), " but ",
                            folder.files[static_cast<size_t>(chosen[0])].string(), " to ", images.size(2), "×", images.size(3),
                            "; images of mixed sizes need a crop size or a "
                            "square resize"));
    }
    images[static_cast<int64_t>(i)].copy_(x);
  }
  Dataset out;
  out.images = images;
  std::vector<int64_t> labels;
  for (const int64_t i : chosen) labels.push_back(folder.labels[static_cast<size_t>(i)]);
  out.labels = torch::tensor(labels, torch::kLong);
  out.num_classes = static_cast<int64_t>(folder.class_names.size());
  out.class_names = std::move(folder.class_names);
  return out;
}

}  // namespace torchvino
