#include <fstream>
#include <map>

#include "torchvino/error.hpp"
#include "torchvino/labels.hpp"
#include "util/strings.hpp"

namespace torchvino {

namespace fs = std::filesystem;

std::vector<std::string> read_class_names(const fs::path& labels_file) {
  if (!fs::is_regular_file(labels_file)) {
    throw Error(util::cat(labels_file.string(), ": labels file not found"));
  }
  std::ifstream in(labels_file);
  if (!in) throw Error(util::cat(labels_file.string(), ": cannot open"));
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().find_first_not_of(" \t") == std::string::npos) {
    lines.pop_back();
  }
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < lines.size(); ++i) {
    // Line numbers are class indices, so a gap cannot be skipped silently.
    if (lines[i].find_first_not_of(" \t") == std::string::npos) {
      throw Error(util::cat(labels_file.string(), ":", i + 1, ": empty class name"));
    }
    const auto [it, fresh] = seen.emplace(lines[i], i);
    if (!fresh) {
      throw Error(util::cat(labels_file.string(), ":", i + 1, ": class '", lines[i],
                            "' already listed on line ", it->second + 1));
    }
  }
  if (lines.empty()) throw Error(util::cat(labels_file.string(), ": no class names"));
  return lines;
}

}  // namespace torchvino
