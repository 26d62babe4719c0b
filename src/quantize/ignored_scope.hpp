#pragma once
// The ignored scope (names, types, patterns) as a predicate over the ops of one model.
#include <openvino/core/model.hpp>

#include <functional>

#include "torchvino/quantize.hpp"

namespace torchvino::quant {

// Empty function for an empty scope. Every name, type and pattern must match some op of `model`
// (a typo would otherwise silently quantize everything): Error listing those that match none.
std::function<bool(const ov::Node&)> ignored_predicate(const ov::Model& model, const IgnoredScope& scope);

}  // namespace torchvino::quant
