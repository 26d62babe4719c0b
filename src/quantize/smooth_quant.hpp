#pragma once
// SmoothQuant (Xiao et al., 2022; NNCF applies it to transformers before MinMax): activation
// outliers live in a few input channels of linear layers. Dividing channel j of the activation
// by s_j and multiplying row j of the weights by s_j keeps X·W exact while moving range from the
// activations (per-tensor quantized) to the weights (per-channel quantized):
//   s_j = max|X_j|^alpha / max|W_j|^(1 - alpha)
// Layers reading one tensor share one s (their weights' maxima are combined).
#include <openvino/core/model.hpp>

#include <functional>
#include <memory>
#include <vector>

namespace torchvino::quant {

// MatMuls with constant 2-D weights reading one activation tensor.
struct SmoothQuantGroup {
  ov::Output<ov::Node> activation;  // [..., in_features]
  std::vector<std::shared_ptr<ov::Node>> matmuls;
  size_t channels = 0;  // in_features
};

// The groups of `model`; ops for which `skip` returns true (ignored scope) are left out.
std::vector<SmoothQuantGroup> smooth_quant_groups(const ov::Model& model,
                                                  const std::function<bool(const ov::Node&)>& skip = {});

// max_j |W_j| over the group's weights, per input channel j.
std::vector<float> weight_input_channel_abs_max(const SmoothQuantGroup& group);

// s_j = a_j^alpha / w_j^(1−alpha) from per-channel activation and weight maxima, kept between
// the 10th percentile of the s_j and 100 (NNCF's rule and arithmetic).
std::vector<double> smooth_scales(const std::vector<float>& activation_abs_max,
                                  const std::vector<float>& weight_abs_max, double alpha);

// Inserts X · 1 before the group's MatMuls, which read it instead of X: the place of the 1/s that
// apply_smooth_scales sets. Returns the Multiply.
std::shared_ptr<ov::Node> insert_smoothing(const SmoothQuantGroup& group);

// Sets the Multiply's factors to 1/s and scales the MatMuls' weight rows by s. Returns the factors
// as the graph holds them (float).
std::vector<float> apply_smooth_scales(const SmoothQuantGroup& group, const std::shared_ptr<ov::Node>& multiply,
                                       const std::vector<double>& scales);

}  // namespace torchvino::quant
