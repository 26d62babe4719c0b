#include "quantize/ignored_scope.hpp"

#include <regex>
#include <set>

#include "torchvino/error.hpp"
#include "util/strings.hpp"

namespace torchvino::quant {
namespace {

std::vector<std::regex> compile_patterns(const std::vector<std::string>& patterns) {
  std::vector<std::regex> out;
  for (const auto& p : patterns) {
    try {
      out.emplace_back(p, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw Error("quantize: ignored_scope.patterns: '" + p + "' is not a valid regular expression: " + e.what());
    }
  }
  return out;
}

bool matches_from_start(const std::string& name, const std::regex& pattern) {
  return std::regex_search(name, pattern, std::regex_constants::match_continuous);
}

// The scope's entries that match no op of the model, each as "name 'x'" / "type 'x'" / "pattern 'x'".
std::vector<std::string> unmatched_entries(const ov::Model& model, const IgnoredScope& scope,
                                           const std::vector<std::regex>& patterns) {
  std::set<std::string> seen_names, seen_types;
  std::vector<bool> seen_patterns(patterns.size(), false);
  for (const auto& op : model.get_ops()) {
    const std::string name = op->get_friendly_name();
    seen_names.insert(name);
    seen_types.insert(op->get_type_name());
    for (size_t i = 0; i < patterns.size(); ++i)
      seen_patterns[i] = seen_patterns[i] || matches_from_start(name, patterns[i]);
  }
  std::vector<std::string> missing;
  for (const auto& n : scope.names)
    if (!seen_names.count(n)) missing.push_back("name '" + n + "'");
  for (const auto& t : scope.types)
    if (!seen_types.count(t)) missing.push_back("type '" + t + "'");
  for (size_t i = 0; i < patterns.size(); ++i)
    if (!seen_patterns[i]) missing.push_back("pattern '" + scope.patterns[i] + "'");
  return missing;
}

}  // namespace

std::function<bool(const ov::Node&)> ignored_predicate(const ov::Model& model, const IgnoredScope& scope) {
  if (scope.empty()) return {};
  const auto patterns = compile_patterns(scope.patterns);
  if (const auto missing = unmatched_entries(model, scope, patterns); !missing.empty())
    throw Error("quantize: ignored scope matches no op of the model: " + util::join(missing));
  const std::set<std::string> names(scope.names.begin(), scope.names.end());
  const std::set<std::string> types(scope.types.begin(), scope.types.end());
  return [names, types, patterns](const ov::Node& node) {
    const std::string name = node.get_friendly_name();
    if (names.count(name) || types.count(node.get_type_name())) return true;
    for (const auto& p : patterns)
      if (matches_from_start(name, p)) return true;
    return false;
  };
}

}  // namespace torchvino::quant
