#pragma once
// Class-name files, as `classify --labels`, image folders' labels.txt and ClassifierOptions use.
#include <filesystem>
#include <string>
#include <vector>

#include "torchvino/export.hpp"

namespace torchvino {

// Class names from a labels file: one per line, index = line number (trailing blank lines and
// '\r' are ignored; blank or repeated names in between are errors).
TORCHVINO_API std::vector<std::string> read_class_names(const std::filesystem::path& labels_file);

}  // namespace torchvino
