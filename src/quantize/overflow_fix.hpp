#pragma once
// The weight-saturation ("overflow") fix. CPUs without VNNI multiply u8 activations by i8
// weights with vpmaddubsw, which adds two products into int16: 2·255·127 overflows it, 2·255·63
// does not. Weights stored within ±63 (7 bits of range) never saturate. NNCF applies this to the
// first layer by default (its inputs are raw pixels, the widest u8 values); on a CPU without
// VNNI every layer needs it.
#include <set>
#include <string>

#include "quantize/graph_analysis.hpp"
#include "torchvino/quantize.hpp"

namespace torchvino::quant {

// Auto becomes FirstLayer when `cpu_has_vnni`, else Enable; the others stay as they are.
OverflowFix resolve_overflow_fix(OverflowFix option, bool cpu_has_vnni);

// Largest stored |int8 weight|: 63 with the fix, 127 without.
constexpr int kWeightLevelMax = 127;
constexpr int kWeightLevelMaxFixed = 63;

// The quantized layers reached first from each model input (no other quantized layer on the
// way): the layers NNCF's "first_layer" overflow fix applies to.
std::set<const ov::Node*> first_quantized_layers(const ov::Model& model, const QuantizationPlan& plan);

}  // namespace torchvino::quant
