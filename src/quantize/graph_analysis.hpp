#pragma once
// Decides where quantizers go, before any data is seen: the walk over the graph, applying the
// rules of placement_rules.hpp. Pure graph work: no statistics, no mutation of the model.
#include <openvino/core/model.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "quantize/placement_rules.hpp"

namespace torchvino::quant {

struct AnalysisOptions {
  bool quantize_residual_adds = true;
  bool quantize_pooling = true;  // the input of AvgPool and ReduceMean (global average pooling)
  // NNCF's transformer rules: no quantizers on Add, pooling or normalisation inputs, none on a
  // MatMul reading a Softmax output, and symmetric quantizers on the activation × activation
  // MatMuls of attention (see model_type.hpp).
  bool transformer = false;
};

// One FakeQuantize to insert: it reads `tensor` and feeds `consumers` (the edges the walk up
// from quantized ops ended on). Quantizers with equal `group` must share one range.
struct ActivationQuantizer {
  ov::Output<ov::Node> tensor;
  std::vector<ov::Input<ov::Node>> consumers;
  bool after_relu = false;  // values are ≥ 0 by construction: unsigned
  bool symmetric = false;   // symmetric whatever the preset (inputs of attention MatMuls)
  size_t group = 0;
  std::vector<std::string> serves;  // friendly names of the ops it quantizes
};

// Weights of one quantized op, read from constants into the op's input shape.
struct WeightQuantizer {
  std::shared_ptr<ov::Node> op;
  size_t input_index = 1;
  ov::Shape shape;
  std::vector<float> values;         // row-major, `shape`
  std::vector<size_t> channel_axes;  // one scale per index over these axes (output channels)
};

struct LayerDecision {
  std::shared_ptr<ov::Node> op;
  bool quantized = false;
  std::string reason;  // why not, when not
  // The op's activation input (index) and the axis of its channels, for bias correction.
  size_t activation_input = 0;
  int64_t activation_channel_axis = 1;
  int64_t output_channel_axis = 1;
  int weight = -1;  // index into QuantizationPlan::weights, -1 when the op has none
};

// An op whose inputs NNCF's CNN scheme would quantize (residual Add, pooling) or that NNCF
// supports and torchvino does not, left in FP32: reported, never silent.
struct Fp32Op {
  std::string name;
  std::string type;
  std::string reason;
};

struct QuantizationPlan {
  std::vector<ActivationQuantizer> activations;
  std::vector<WeightQuantizer> weights;
  std::vector<LayerDecision> layers;
  std::vector<Fp32Op> fp32_ops;  // ops other than `layers` that stay FP32, with why
  size_t groups = 0;
};

// Ops for which `ignored` returns true get no quantizers (reason "ignored scope").
QuantizationPlan analyse(const std::shared_ptr<ov::Model>& model, const AnalysisOptions& options,
                         const std::function<bool(const ov::Node&)>& ignored = {});

}  // namespace torchvino::quant
