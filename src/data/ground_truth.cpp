// Flat validation folders with a ground-truth file (read_ground_truth).
#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>

#include "torchvino/data.hpp"
#include "torchvino/error.hpp"
#include "util/strings.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// "file label ..." or "file,label ..." → {file, label}; the label's first word only.
std::pair<std::string, std::string> split_line(const std::string& line) {
  const auto comma = line.find(',');
  const auto cut = comma != std::string::npos ? comma : line.find_first_of(" \t");
  if (cut == std::string::npos) return {trim(line), {}};
  std::string label = trim(line.substr(cut + 1));
  label = label.substr(0, label.find_first_of(" \t,"));
  return {trim(line.substr(0, cut)), label};
}

std::optional<int64_t> as_index(const std::string& s) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// Every image under root, findable by relative path, file name, and file name without extension.
class ImageIndex {
 public:
  explicit ImageIndex(const fs::path& root) {
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file() || !has_image_extension(entry.path())) continue;
      const fs::path& p = entry.path();
      by_name_.emplace(p.lexically_relative(root).generic_string(), p);
      by_name_.emplace(p.filename().string(), p);
      by_name_.emplace(p.stem().string(), p);
    }
  }
  std::optional<fs::path> find(const std::string& name) const {
    const auto it = by_name_.find(fs::path(name).generic_string());
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, fs::path> by_name_;
};

}  // namespace

ImageFolder read_ground_truth(const fs::path& root, const fs::path& file, const std::vector<std::string>& classes) {
  if (!fs::is_directory(root)) throw Error(util::cat(root.string(), ": image folder not found"), "data_dir");
  std::ifstream in(file);
  if (!fs::is_regular_file(file) || !in)
    throw Error(util::cat(file.string(), ": ground-truth file not found or unreadable"), "ground_truth");
  const ImageIndex images(root);

  struct Entry {
    fs::path image;
    std::string label;
    size_t line;
  };
  std::vector<Entry> entries;
  std::set<fs::path> seen;
  std::string line;
  bool first = true;
  for (size_t number = 1; std::getline(in, line); ++number) {
    const std::string text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    const auto [name, label] = split_line(text);
    const auto image = images.find(name);
    const bool header = first && !image;
    first = false;
    if (header) continue;
    const std::string where = util::cat(file.string(), ":", number, ": ");
    if (!image) throw Error(util::cat(where, "no image '", name, "' in ", root.string()), "ground_truth");
    if (label.empty()) throw Error(util::cat(where, "no label after '", name, "'"), "ground_truth");
    if (!seen.insert(*image).second) throw Error(util::cat(where, "'", name, "' is listed twice"), "ground_truth");
    entries.push_back({*image, label, number});
  }
  if (entries.empty()) throw Error(util::cat(file.string(), ": lists no images"), "ground_truth");

  const bool numeric = std::all_of(entries.begin(), entries.end(), [](const Entry& e) { return as_index(e.label).has_value(); });
  ImageFolder out;
  out.class_names = classes;
  if (out.class_names.empty()) {
    if (numeric) {
      int64_t top = 0;
      for (const auto& e : entries) top = std::max(top, *as_index(e.label));
      for (int64_t i = 0; i <= top; ++i) out.class_names.push_back(std::to_string(i));
    } else {
      std::set<std::string> names;
      for (const auto& e : entries) names.insert(e.label);
      out.class_names.assign(names.begin(), names.end());
    }
  }
  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < out.class_names.size(); ++i) index.emplace(out.class_names[i], static_cast<int64_t>(i));
  for (auto& e : entries) {
    int64_t label = 0;
    if (numeric) {
      label = *as_index(e.label);
      if (label >= static_cast<int64_t>(out.class_names.size()))
        throw Error(util::cat(file.string(), ":", e.line, ": label ", label, " but there are only ",
                              out.class_names.size(), " classes"), "ground_truth");
    } else {
      const auto it = index.find(e.label);
      if (it == index.end())
        throw Error(util::cat(file.string(), ":", e.line, ": class '", e.label, "' is not one of the ",
                              out.class_names.size(), " classes"), "ground_truth");
      label = it->second;
    }
    out.files.push_back(std::move(e.image));
    out.labels.push_back(label);
  }
  return out;
}

}  // namespace torchvino
