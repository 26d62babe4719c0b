#pragma once
// Image classification with OpenVINO alone (no LibTorch): open a model, classify images one at a
// time, as a batch, or as a stream of frames with several infer requests in flight.
//
//   torchvino::Classifier classifier("convnet_int8.xml");
//   for (const auto& p : classifier.classify("shoe.png"))
//     std::cout << p.label << " " << p.probability << "\n";
//
// Every failure (missing or corrupt model or image, an image the model cannot take, missing
// normalisation) is a torchvino::Error whose message names the file or option and the problem.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "torchvino/image.hpp"
#include "torchvino/ir_metadata.hpp"
#include "torchvino/export.hpp"
#include "torchvino/run_settings.hpp"

namespace torchvino {

struct ClassifierOptions {
  int top_k = 5;  // predictions returned per image (at most the number of classes)
  // Class names, index = class; empty: the model's metadata (torchvino.labels), else "0", "1"...
  // When set, the count must equal the model's classes.
  std::vector<std::string> labels = {};
  // The input spec, for a float NCHW model without torchvino metadata (e.g. an ONNX file):
  // height, width, channels, mean and std. Unset: the model's metadata.
  std::optional<InputSpec> input = std::nullopt;
  // Threads, device, hint, streams; run.requests: how many frames a Stream keeps in flight (>= 1).
  RunSettings run = {};
};

struct Prediction {
  int64_t index = 0;  // class index
  std::string label = {};
  float probability = 0;
};
using TopK = std::vector<Prediction>;  // most probable first

// A decoded image the caller owns: height×width pixels, `channels` (1 gray, 3 RGB) interleaved
// (HWC), rows `height·width·channels` bytes apart without padding. Not copied by classify(); copied
// by Stream::submit().
struct ImageView {
  const uint8_t* pixels = nullptr;
  int64_t height = 0, width = 0, channels = 0;
};
inline ImageView view_of(const Image& image) {
  return {image.pixels.data(), image.height, image.width, image.channels};
}

// How an image becomes the model's input:
// - a model with preprocessing baked in (uint8 NHWC input, bake_preprocessing / `export --ovms`)
//   takes the pixels as they are; the image must have the size it was baked for;
// - a float NCHW model: an image of another size is resized to the model's on the host, as
//   torchvision's Resize((h, w)) on a PIL image does it (Pillow's arithmetic; bilinear and
//   antialiased unless the metadata's torchvino.input.interpolation/antialias say otherwise), then
//   a graph compiled in front of the model computes (pixel/255 - mean)/std, with mean/std from
//   the metadata or ClassifierOptions::input.
// Gray images into a 3-channel model are replicated; RGB images into a 1-channel model become
// ITU-R 601 luma (rounded to 8 bits).
// Probabilities: the softmax of the model's output, unless the model already ends in a Softmax
// (then its output is used as it is).
class TORCHVINO_API Classifier {
 public:
  // Opens an IR (.xml) or ONNX model, FP32 or INT8, and compiles it for opts.device.
  explicit Classifier(const std::filesystem::path& model, const ClassifierOptions& options = {});
  ~Classifier();
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;

  TopK classify(const std::filesystem::path& image_file);
  TopK classify(const ImageView& image);
  // All images in one inference; they must share one size.
  std::vector<TopK> classify(const std::vector<ImageView>& images);

  const IrMetadata& metadata() const;
  const std::vector<std::string>& labels() const;  // one per class
  int64_t num_classes() const;
  const ClassifierOptions& options() const;

  // Frames classified asynchronously with options().run.requests infer requests in flight.
  // `on_result(frame, top_k)` is called once per submitted frame, in submission order (frame =
  // 0, 1, 2...), never concurrently, from an OpenVINO worker thread or from submit()/flush(). An
  // exception it throws (or an inference failure) stops the stream: pending results are dropped
  // and the next submit() or flush() rethrows it.
  class TORCHVINO_API Stream {
   public:
    using Callback = std::function<void(uint64_t frame, const TopK& top_k)>;
    ~Stream();  // waits for every frame in flight (errors are dropped: call flush() to see them)
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // Copies the frame and starts its inference; blocks while options().run.requests frames are in
    // flight, i.e. submitted and their results not yet delivered (back-pressure). Returns the
    // frame's number. Must not be called from on_result.
    uint64_t submit(const ImageView& frame);
    // Waits until every submitted frame's result has been delivered.
    void flush();

   private:
    friend class Classifier;
    struct State;
    explicit Stream(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };
  // The classifier must outlive the stream.
  std::unique_ptr<Stream> stream(Stream::Callback on_result);

  struct Impl;

 private:
  // `what` names the images in errors (a file name, or "image").
  std::vector<TopK> classify(const std::vector<ImageView>& images, const std::string& what);
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchvino
