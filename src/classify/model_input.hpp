#pragma once
// How images become a model's input (see Classifier): the preprocessing graph compiled in front
// of a float model, and the uint8 NHWC tensors fed to it.
#include <openvino/core/model.hpp>
#include <openvino/runtime/tensor.hpp>

#include <memory>
#include <string>
#include <vector>

#include "torchvino/classifier.hpp"
#include "torchvino/ir_metadata.hpp"

namespace torchvino::classify {

// What the compiled model takes: uint8 NHWC with `channels`, height×width. Baked preprocessing
// takes images of exactly that size; otherwise images are resized to it here, on the host, with
// Pillow's arithmetic (data/resample.hpp), as torchvision's Resize((height, width)) on a PIL
// image, or as the model's metadata says (torchvino.input.interpolation, .antialias).
struct ModelInput {
  int64_t channels = 0;
  int64_t height = 0, width = 0;
  int64_t batch = 0;  // a static batch size, or 0 when any batch is taken
  bool baked = false;
  Interpolation interpolation = Interpolation::Bilinear;
  bool antialias = true;
};

// `model` with uint8 NHWC input: as it is when the preprocessing is baked, else with a
// normalisation graph (from `spec`) in front. Throws Error naming `file` when the model has not
// one rank-4 image input, or when a float model's spec lacks its size or mean/std.
std::shared_ptr<ov::Model> with_image_input(const std::shared_ptr<ov::Model>& model, const InputSpec& spec,
                                            const std::string& file, ModelInput& input);

// Checks `image` (pixels set, size > 0, channels 1 or 3, the baked size): an empty string when it
// fits, else the problem ("2 channels; expected 1 (gray) or 3 (RGB)").
std::string image_problem(const ImageView& image, const ModelInput& input);

// The images as one uint8 N×H×W×channels tensor, converted to the model's channels and resized to
// its input. Throws Error (prefixed with `what`, e.g. the file) when an image does not fit, or
// when the images of a batch for baked preprocessing differ in size.
ov::Tensor image_tensor(const std::vector<ImageView>& images, const ModelInput& input, const std::string& what);
// What image_tensor checks: throws the same errors, else returns the tensor's N×H×W×C shape.
ov::Shape checked_image_shape(const std::vector<ImageView>& images, const ModelInput& input, const std::string& what);
// The checked images written into `tensor` (an infer request's own uint8 input tensor, reshaped to
// `shape` when it differs), so a stream reuses each request's memory instead of allocating and
// binding a tensor per frame.
void write_image_tensor(const std::vector<ImageView>& images, const ModelInput& input, const ov::Shape& shape,
                        ov::Tensor& tensor);

}  // namespace torchvino::classify
