#pragma once
// Rewrites the graph: FakeQuantize on activations, int8-stored weights (or FakeQuantize on FP32
// weights), in the forms the CPU plugin's low-precision transformations turn into INT8 kernels.
#include <openvino/core/node.hpp>
#include <openvino/op/fake_quantize.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "quantize/graph_analysis.hpp"
#include "quantize/ranges.hpp"

namespace torchvino::quant {

constexpr size_t kActivationLevels = 256;

// FakeQuantize of `x` onto `levels` levels of [lo, hi] per element of range_shape (which
// broadcasts against x); output range = input range, so it only rounds and clips.
std::shared_ptr<ov::op::v0::FakeQuantize> make_fake_quantize(const ov::Output<ov::Node>& x,
                                                             const std::vector<float>& lo,
                                                             const std::vector<float>& hi,
                                                             const ov::Shape& range_shape,
                                                             size_t levels);

// Creates the quantizer's FakeQuantize and routes its consumers through it.
std::shared_ptr<ov::op::v0::FakeQuantize> insert_activation_quantizer(const ActivationQuantizer& q,
                                                                      Range range);

struct QuantizedWeights {
  ov::Shape shape;
  std::vector<int8_t> values;  // round(w / scale) in [−max_level, max_level]
  ov::Shape scale_shape;       // broadcasts against shape: channel dims kept, others 1
  std::vector<float> scales;   // abs_max / max_level per output channel
};

// Symmetric, narrow range: max_level 127 (8 bits) or 63 (7 bits, the overflow fix).
QuantizedWeights quantize_weights(const WeightQuantizer& w, const std::vector<float>& abs_max,
                                  int max_level = 127);

// Constant(i8) → Convert(f32) → Multiply(scale): the dequantized-weight pattern the plugin
// folds into an INT8 convolution or fully-connected layer.
ov::Output<ov::Node> dequantized_weights(const QuantizedWeights& q, const std::string& name);

// FP32 weights behind a per-channel FakeQuantize of 2·max_level + 1 levels.
ov::Output<ov::Node> fake_quantized_weights(const WeightQuantizer& w, const std::vector<float>& abs_max,
                                            const std::string& name, int max_level = 127);

void replace_weights(const WeightQuantizer& w, const ov::Output<ov::Node>& weights);

}  // namespace torchvino::quant
