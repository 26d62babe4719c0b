#include "cli/bench_lists.hpp"

#include <exception>
#include <sstream>

#include "torchvino/error.hpp"

namespace torchvino::cli {

std::vector<int64_t> parse_batch_list(const std::string& text, const std::string& flag) {
  std::vector<int64_t> values;
  std::stringstream list(text);
  for (std::string item; std::getline(list, item, ',');) {
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || v < 1)
      throw Error(flag + ": '" + item + "' is not a positive integer (in '" + text + "')");
    values.push_back(v);
  }
  if (values.empty() || text.back() == ',') throw Error(flag + ": '" + text + "' is not a comma-separated list of positive integers");
  return values;
}

int parse_count_or_auto(const std::string& text, const std::string& flag) {
  if (text == "auto") return 0;
  size_t used = 0;
  long v = 0;
  try {
    v = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || v < 1 || v > 1024)
    throw Error(flag + ": '" + text + "' is neither a count from 1 to 1024 nor auto");
  return int(v);
}

}  // namespace torchvino::cli
