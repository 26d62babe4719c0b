#pragma once
#include <openvino/core/model.hpp>

#include <cstdint>
#include <memory>

#include "torchvino/data.hpp"

namespace torchvino {

// Bakes `p` into a copy of `model` (one input, float32 N×C×H×W, as to_openvino makes it), so the
// deployed IR takes raw images: uint8, NHWC, N×height×width×source_channels, batch dimension as in
// the model. Inside the graph, in the order and with the arithmetic of preprocess_batch:
//   convert to f32 → resize (p.interpolation and p.antialias; shorter side or squash, as
//   p.resize/p.keep_aspect say) → centre crop (p.crop) → grayscale replicated to 3 channels, or
//   colour to luma (p.channels) → x·1/(255·std) − mean/std → NCHW.
// The resize is Pillow's as Interpolate-11 computes it (pytorch_half_pixel; PrePostProcessor's
// RESIZE_LINEAR follows TensorFlow's convention): one pass per axis, each rounded to whole pixel
// values. Float weights where Pillow's are fixed point: a pixel may differ by a gray level per
// pass, two at most (tests/deploy_preprocessing_test.cpp). The crop is a Slice with the same half-to-even offsets
// as preprocess_batch.
//
// source_channels: 1 or 3, channels of the raw images; 0 means p.channels.
// Throws Error when the model does not have exactly one rank-4 float input, when its channel count
// or (static) spatial size differs from what `p` produces from height×width, when the image is
// smaller than the crop, or when `p` is invalid. The input keeps the model's input name; the
// model passed in is not modified.
std::shared_ptr<ov::Model> bake_preprocessing(const std::shared_ptr<ov::Model>& model,
                                              const Preprocessing& p, int64_t height,
                                              int64_t width, int64_t source_channels = 0);

// The size preprocess_batch(p) gives an image of height×width (after resize and crop):
// {height', width'}. Throws Error when the image is smaller than the crop.
std::pair<int64_t, int64_t> preprocessed_size(const Preprocessing& p, int64_t height,
                                              int64_t width);

}  // namespace torchvino
