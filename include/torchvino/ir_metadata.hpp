#pragma once
// What a deployed model says about itself: metadata kept in the IR's rt_info (section
// "torchvino"), so an application (Classifier, `torchvino info`) needs no side files or flags.
// Applications read it through Classifier::metadata(); the functions below take OpenVINO models
// (include <openvino/core/model.hpp> to call them).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "torchvino/interpolation.hpp"

namespace ov {
class Model;
}

namespace torchvino {

// The input a model takes, as an application must feed it.
struct InputSpec {
  int64_t height = 0, width = 0, channels = 0;  // 0: unknown
  // "NCHW": float32, normalised as below. "NHWC": raw uint8 pixels (preprocessing baked in).
  std::string layout = {};
  // x = (pixel/255 - mean) / std, one value or one per channel; empty: unknown. With baked
  // preprocessing they record what the graph does; the application does not apply them.
  std::vector<float> mean = {}, std = {};
  bool preprocessing_baked = false;
  // How images are resized to height×width (torchvino.input.interpolation, .antialias). Unset:
  // bilinear, antialiased, as Pillow and so torchvision's Resize on PIL images do.
  std::optional<Interpolation> interpolation = std::nullopt;
  std::optional<bool> antialias = std::nullopt;
};

// Accuracy measured by `eval`/`pipeline` on the model as written.
struct MeasuredAccuracy {
  double top1 = 0, top5 = 0;  // fractions
  int64_t images = 0;
  std::string dataset = {};   // e.g. "fashion-mnist (test)"
};

struct IrMetadata {
  std::vector<std::string> labels = {};  // class index -> name; empty: unknown
  InputSpec input = {};
  std::string dataset = {};         // what the model was trained on
  std::optional<MeasuredAccuracy> accuracy = std::nullopt;
  std::string torchvino_version = {};  // of the torchvino that wrote the metadata
};

// rt_info layout (every value a string, so it survives the IR's XML):
//   torchvino.version, torchvino.dataset, torchvino.labels (JSON array of strings),
//   torchvino.input.{height,width,channels,layout,mean,std,preprocessing_baked,interpolation,antialias}
//   (mean/std: JSON arrays), torchvino.accuracy.{top1,top5,images,dataset}.
// Other torchvino sections (quantization, ovms) are left alone. Unknown (empty/zero) fields are not
// written; what is already there for them stays. torchvino_version is always this build's.
void write_ir_metadata(ov::Model& model, const IrMetadata& metadata);
void write_measured_accuracy(ov::Model& model, const MeasuredAccuracy& accuracy);

// Reads what write_ir_metadata wrote; absent entries stay empty/zero (a model written by another
// tool has none). Throws Error naming the entry when one is malformed (e.g. labels not a JSON
// array of strings, a non-numeric height).
IrMetadata read_ir_metadata(const ov::Model& model);

}  // namespace torchvino
