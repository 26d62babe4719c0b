#pragma once
// The weight-saturation ("overflow") fix. CPUs without VNNI multiply u8 activations by i8
// weights with vpmaddubsw, which adds two products into int16: 2·255·127 overflows it, 2·255·63
// does not. Weights stored on a 7-bit grid (codes −63…64, kSevenBitWeights) never saturate. NNCF applies this to the
// first layer by default (its inputs are raw pixels, the widest u8 values); on a CPU without
// VNNI every layer needs it.
#include <set>
#include <string>

#include "quantize/graph_analysis.hpp"
#include "torchvino/quantize.hpp"

namespace torchvino::quant {

// Auto becomes FirstLayer when `cpu_has_vnni`, else Enable; the others stay as they are.
OverflowFix resolve_overflow_fix(OverflowFix option, bool cpu_has_vnni);

// The quantized layers reached first from each model input (no other quantized layer on the
// way): the layers NNCF's "first_layer" overflow fix applies to.
std::set<const ov::Node*> first_quantized_layers(const ov::Model& model, const QuantizationPlan& plan);

}  // namespace torchvino::quant
