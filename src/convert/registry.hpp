#pragma once
#include <c10/util/Type.h>
#include <torch/nn/module.h>

#include <functional>
#include <string>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include "convert/context.hpp"

namespace torchvino::convert {

// A translator turns one LibTorch module into OpenVINO ops appended after `input`.
using Translator = std::function<ov::Output<ov::Node>(Context&, const torch::nn::Module&,
                                                      const ov::Output<ov::Node>&)>;

// Maps a module's dynamic type to its translator. Keyed by exact type, not by module name or
// dynamic_cast, so that a user's subclass with a different forward is refused rather than
// silently converted as its parent.
// A new layer type: write translators/<layer>.cpp with an add_<layer>_translator(Registry&),
// then declare it and call it in add_all_translators() (translators/translators.hpp).
class Registry {
 public:
  template <typename ModuleImpl, typename F>
  void add(F translate) {
    add(typeid(ModuleImpl), c10::demangle(typeid(ModuleImpl).name()),
        [translate](Context& ctx, const torch::nn::Module& m, const ov::Output<ov::Node>& x) {
          return translate(ctx, static_cast<const ModuleImpl&>(m), x);
        });
  }
  void add(std::type_index type, std::string type_name, Translator translate);

  // nullptr when the type has no translator.
  const Translator* find(const torch::nn::Module& module) const;
  std::vector<std::string> supported_types() const;

 private:
  struct Entry {
    std::string type_name;
    Translator translate;
  };
  std::unordered_map<std::type_index, Entry> entries_;
};

// The registry every model is converted with; filled once with all built-in translators.
const Registry& default_registry();

}  // namespace torchvino::convert
