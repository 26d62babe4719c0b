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

// The integer codes weights are stored as: code ≈ clamp(round(w / scale), low, high), with
// scale = abs_max / divisor per output channel (computed exactly as OpenVINO's FakeQuantize
// rounds; see quantize_weights).
struct WeightGrid {
  float divisor;
  int low, high;
  size_t levels() const { return static_cast<size_t>(high - low + 1); }
};
// 8 bits, symmetric narrow range: ±127.
inline constexpr WeightGrid kEightBitWeights{127.0f, -127, 127};
// 7 bits, the overflow fix, on NNCF's grid: 128 codes −63…64, abs_max at ±63.5 (a step 0.8 %
// finer than ±63's; on ViT-B/16 the ±63 grid cost 2 % of INT8 error against NNCF's); 2·255·64
// still fits the int16 sums of vpmaddubsw.
inline constexpr WeightGrid kSevenBitWeights{63.5f, -63, 64};

struct QuantizedWeights {
  ov::Shape shape;
  std::vector<int8_t> values;  // the codes, within the grid's [low, high]
  ov::Shape scale_shape;       // broadcasts against shape: channel dims kept, others 1
  std::vector<float> scales;   // abs_max / grid divisor per output channel
};

// The weights rounded to nearest (weight_rounding.hpp's default rounding).
QuantizedWeights quantize_weights(const WeightQuantizer& w, const std::vector<float>& abs_max,
                                  const WeightGrid& grid = kEightBitWeights);

// Constant(i8) → Convert(f32) → Multiply(scale): the dequantized-weight pattern the plugin
// folds into an INT8 convolution or fully-connected layer.
ov::Output<ov::Node> dequantized_weights(const QuantizedWeights& q, const std::string& name);

// The codes `q` of w's weights as FP32 values behind a per-channel FakeQuantize onto their grid.
ov::Output<ov::Node> fake_quantized_weights(const WeightQuantizer& w, const QuantizedWeights& q, const std::string& name,
                                            const WeightGrid& grid = kEightBitWeights);

void replace_weights(const WeightQuantizer& w, const ov::Output<ov::Node>& weights);

}  // namespace torchvino::quant
