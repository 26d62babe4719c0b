#pragma once
// The sweep lists of `torchvino bench`'s command line.
#include <cstdint>
#include <string>
#include <vector>

namespace torchvino::cli {

// "1,8,96": positive integers; errors name `flag`.
std::vector<int64_t> parse_batch_list(const std::string& text, const std::string& flag);
// "N" (1 to 1024) or "auto" (0); errors name `flag`.
int parse_count_or_auto(const std::string& text, const std::string& flag);

}  // namespace torchvino::cli
