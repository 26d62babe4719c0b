#pragma once
// Fast bias correction: weight rounding shifts each output channel's mean by (W − Wq)·E[x];
// adding that shift back to the bias removes the systematic part of the quantization error.
#include <openvino/core/node.hpp>

#include <memory>
#include <optional>
#include <vector>

#include "quantize/graph_analysis.hpp"
#include "quantize/insertion.hpp"

namespace torchvino::quant {

// A constant per-channel Add right after a Conv/MatMul.
struct BiasAdd {
  std::shared_ptr<ov::Node> add;
  size_t bias_input = 1;
  std::vector<float> values;  // one per output channel
};

std::optional<BiasAdd> find_bias(const LayerDecision& layer);

// FP32 minus quantized-weight output of the op, per output channel, for an input whose every
// element of channel c equals input_mean[c] (input_shape gives the spatial size; batch → 1).
std::vector<float> bias_shift(const LayerDecision& layer, const WeightQuantizer& weights,
                              const QuantizedWeights& quantized, const std::vector<float>& input_mean,
                              ov::Shape input_shape);

// A shift large against the bias means the statistics do not describe the op well; such
// shifts (and biases with zero entries, where the ratio is undefined) are not applied.
bool shift_is_plausible(const std::vector<float>& bias, const std::vector<float>& shift, float threshold = 2.0f);

// Replaces the bias constant with bias + shift.
void apply_bias_shift(const BiasAdd& bias, const std::vector<float>& shift);

}  // namespace torchvino::quant
