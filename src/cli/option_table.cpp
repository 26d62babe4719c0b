#include "cli/option_table.hpp"

#include <string>

#include "cli/bind_option.hpp"

namespace torchvino::cli {

bool Option::applies_to(std::string_view command) const {
  size_t start = 0;
  while (start < commands.size()) {
    const size_t end = std::min(commands.find(' ', start), commands.size());
    if (commands.substr(start, end - start) == command) return true;
    start = end + 1;
  }
  return false;
}

std::string_view flag_for_key(std::string_view key, std::string_view command) {
  for (const Option* o : kAllOptions)
    if (o->key == key && (command.empty() || o->applies_to(command))) return o->flag.substr(o->flag.rfind(',') + 1);
  return {};
}

std::string describe(const Error& e, std::string_view command) {
  std::string message = e.what();
  if (e.option().empty()) return message;
  const std::string_view flag = flag_for_key(e.option(), command);
  if (!flag.empty()) message += " (" + std::string(flag) + ")";
  return message;
}

CLI::Validator within(const Limit& limit) {
  return CLI::Validator(
      [limit](std::string& text) -> std::string {
        double value = 0;
        try {
          size_t used = 0;
          value = std::stod(text, &used);
          if (used != text.size()) return "'" + text + "' is not a number";
        } catch (const std::exception&) {
          return "'" + text + "' is not a number";
        }
        return limit.problem(value).value_or("");
      },
      "");
}

}  // namespace torchvino::cli
