#pragma once
#include <openvino/core/model.hpp>

#include <array>
#include <filesystem>
#include <memory>
#include <string>

#include "torchvino/models.hpp"
#include "torchvino/names.hpp"
#include "torchvino/openvino_runtime.hpp"

namespace torchvino {

// Precision of the weights stored in an IR.
enum class Precision { FP32, FP16 };
template <>
struct EnumNames<Precision> {
  static constexpr const char* what = "precision";
  static constexpr std::array table{std::pair{Precision::FP32, "fp32"}, std::pair{Precision::FP16, "fp16"}};
};

// Builds an OpenVINO model from a LibTorch model, one translator per layer type, BatchNorm
// folded into the preceding convolution, batch dimension dynamic. Input "input" (N×C×H×W
// float32), output "logits".
std::shared_ptr<ov::Model> to_openvino(const Model& model);

// read_model_file(): in openvino_runtime.hpp.

// How a model from elsewhere takes its image. torchvino feeds N×C×H×W, RGB (a dataset's order);
// a model exported from TensorFlow may want N×H×W×C, one trained with OpenCV's imread BGR.
struct InputConvention {
  bool channels_last = false;  // N×H×W×C
  bool bgr = false;            // channels in B, G, R order
};
// The model with a transpose and/or a channel flip baked in front (OpenVINO's PrePostProcessor),
// so that it takes N×C×H×W RGB; the model itself when there is nothing to do. Refuses, with an
// Error whose option() is the field, a convention the input's shape contradicts (channels_last on
// an input not ending in 1 or 3 channels, bgr on a one-channel input), and an N×C×H×W assumption
// on an input that is plainly channels-last (N×224×224×3; option() channels_last). The original convention is recorded in the model's
// rt_info (torchvino.input.source_layout / source_channel_order).
std::shared_ptr<ov::Model> adapt_input(const std::shared_ptr<ov::Model>& model, const InputConvention& convention);

// Saves IR .xml + .bin side by side. FP16 compresses the weights to half precision (the
// compute precision stays the runtime's choice). Both files are written to temporaries and
// renamed into place, so a failure never leaves a half-written or destroyed IR.
void save_ir(const std::shared_ptr<ov::Model>& model, const std::filesystem::path& xml,
             Precision precision = Precision::FP32);

// Size on disk of an IR (.xml + .bin) or of any single file.
uint64_t model_size_bytes(const std::filesystem::path& file);
// Size of the weights alone: the .bin of an IR, or the file itself for other formats.
uint64_t weights_size_bytes(const std::filesystem::path& file);

}  // namespace torchvino
