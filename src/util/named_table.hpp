#pragma once
// Lookup in the tables of things torchvino knows by name (datasets, zoo models): rows with a
// `name` member, found by it, with one wording for unknown names.
#include <string>
#include <string_view>
#include <vector>

#include "torchvino/error.hpp"
#include "util/strings.hpp"

namespace torchvino::util {

template <typename Table>
std::vector<std::string> row_names(const Table& table) {
  std::vector<std::string> names;
  for (const auto& row : table) names.push_back(row.name);
  return names;
}

// Throws Error "unknown <what> '<name>' (known: a, b, c)" when no row has that name.
template <typename Table>
const auto& find_row(const Table& table, const std::string& name, std::string_view what) {
  for (const auto& row : table) {
    if (row.name == name) return row;
  }
  throw Error(cat("unknown ", what, " '", name, "' (known: ", join(row_names(table), ", "), ")"));
}

}  // namespace torchvino::util
