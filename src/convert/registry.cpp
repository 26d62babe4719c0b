#include "convert/registry.hpp"

#include <algorithm>

#include "convert/translators/translators.hpp"

namespace torchvino::convert {

void Registry::add(std::type_index type, std::string type_name, Translator translate) {
  entries_.insert_or_assign(type, Entry{std::move(type_name), std::move(translate)});
}

const Translator* Registry::find(const torch::nn::Module& module) const {
  auto it = entries_.find(typeid(module));
  return it == entries_.end() ? nullptr : &it->second.translate;
}

std::vector<std::string> Registry::supported_types() const {
  std::vector<std::string> names;
  for (const auto& [type, entry] : entries_) names.push_back(entry.type_name);
  std::sort(names.begin(), names.end());
  return names;
}

const Registry& default_registry() {
  // Registration is explicit, not by static initialisers in each translator file: the library
  // is static, and the linker would drop translator objects nothing refers to.
  static const Registry registry = [] {
    Registry r;
    add_all_translators(r);
    return r;
  }();
  return registry;
}

}  // namespace torchvino::convert
