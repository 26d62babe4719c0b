#pragma once
// Fast bias correction: weight rounding shifts each output channel's mean by (W − Wq)·E[x];
// adding that shift back to the bias removes the systematic part of the quantization error.
#include <openvino/core/node.hpp>

#include <memory>
#include <optional>
#include <vector>

#include "quantize/graph_analysis.hpp"
#include "quantize/insertion.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino::quant {

// A constant per-channel Add right after a Conv/MatMul.
struct BiasAdd {
  std::shared_ptr<ov::Node> add;
  size_t bias_input = 1;
  std::vector<float> values;  // one per output channel
};

std::optional<BiasAdd> find_bias(const LayerDecision& layer);

// A quantized layer (index into plan.layers) with int8 weights and a per-channel bias: what
// both bias corrections work on, in graph order.
struct BiasedLayer {
  size_t layer = 0;
  BiasAdd bias;
};
std::vector<BiasedLayer> biased_layers(const QuantizationPlan& plan);

// Shifts at least this large against the bias (|shift / bias|) are not applied: NNCF's
// thresholds for its fast and full bias corrections.
constexpr float kFastBiasCorrectionThreshold = 2.0f;
constexpr float kFullBiasCorrectionThreshold = 1000.0f;

// One layer's question to bias_shifts().
struct BiasShiftProbe {
  const LayerDecision* layer = nullptr;
  const WeightQuantizer* weights = nullptr;
  const QuantizedWeights* quantized = nullptr;
  std::vector<float> input_mean;  // per input channel
  ov::Shape input_shape;          // gives the spatial size; the batch becomes 1
};

// For each probe: FP32 minus quantized-weight output of its op, per output channel, for an input
// whose every element of channel c equals input_mean[c]. All probes run in one model, compiled
// and inferred once (one compilation per layer was most of the step's time on a ResNeXt-50).
std::vector<std::vector<float>> bias_shifts(const std::vector<BiasShiftProbe>& probes, const RuntimeContext& runtime);

// A shift large against the bias means the statistics do not describe the op well; such
// shifts (and biases with zero entries, where the ratio is undefined) are not applied.
bool shift_is_plausible(const std::vector<float>& bias, const std::vector<float>& shift, float threshold);

// Replaces the bias constant with bias + shift (and records the new values in `bias`).
void apply_bias_shift(BiasAdd& bias, const std::vector<float>& shift);

}  // namespace torchvino::quant
