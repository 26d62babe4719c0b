#include "classify/model_input.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <openvino/core/preprocess/pre_post_process.hpp>

#include "data/resample.hpp"
#include "torchvino/error.hpp"

namespace torchvino::classify {

namespace {

int64_t static_dim(const ov::PartialShape& shape, size_t i) {
  return shape[i].is_static() ? shape[i].get_length() : 0;
}

// Per-channel values (one value means every channel), scaled for pixels in 0..255.
std::vector<float> scaled(const std::vector<float>& values, int64_t channels, const char* name,
                          const std::string& file) {
  if (values.size() != 1 && static_cast<int64_t>(values.size()) != channels)
    throw Error(fmt::format("{}: input {} has {} values for a {}-channel model", file, name, values.size(), channels));
  std::vector<float> out;
  for (float v : values) out.push_back(v * 255.0f);
  return out;
}

// RGB → gray with ITU-R 601 luma (PIL's convert("L") weights), rounded to 8 bits.
uint8_t luma(const uint8_t* rgb) {
  return static_cast<uint8_t>(std::lround(0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]));
}

}  // namespace

std::shared_ptr<ov::Model> with_image_input(const std::shared_ptr<ov::Model>& model, const InputSpec& spec,
                                            const std::string& file, ModelInput& input) {
  if (model->inputs().size() != 1)
    throw Error(fmt::format("{}: the model has {} inputs; a classifier takes one image input", file,
                            model->inputs().size()));
  const auto& port = model->input();
  const ov::PartialShape shape = port.get_partial_shape();
  if (shape.rank().is_dynamic() || shape.rank().get_length() != 4)
    throw Error(fmt::format("{}: the input {} is not a batch of images (rank 4)", file, shape.to_string()));
  input.batch = static_dim(shape, 0);
  if (port.get_element_type() == ov::element::u8) {
    // Preprocessing baked in: raw pixels, N×H×W×C.
    input.baked = true;
    input.height = static_dim(shape, 1);
    input.width = static_dim(shape, 2);
    input.channels = static_dim(shape, 3);
    if (input.height == 0 || input.width == 0 || (input.channels != 1 && input.channels != 3))
      throw Error(fmt::format("{}: a uint8 input must be N×H×W×C with a static size and 1 or 3 channels, not {}",
                              file, shape.to_string()));
    return model;
  }
  if (!port.get_element_type().is_real())
    throw Error(fmt::format("{}: the input is {}, neither float (NCHW) nor uint8 (NHWC, preprocessing baked)", file,
                            port.get_element_type().get_type_name()));
  // Float NCHW: the model's own size wins over the metadata's when both are known.
  const int64_t channels = static_dim(shape, 1) ? static_dim(shape, 1) : spec.channels;
  const int64_t height = static_dim(shape, 2) ? static_dim(shape, 2) : spec.height;
  const int64_t width = static_dim(shape, 3) ? static_dim(shape, 3) : spec.width;
  if (channels != 1 && channels != 3)
    throw Error(fmt::format("{}: the input {} does not have 1 or 3 channels (NCHW)", file, shape.to_string()));
  if (height < 1 || width < 1)
    throw Error(fmt::format("{}: the input size is not known (input {}, no torchvino.input metadata): give the "
                            "input spec",
                            file, shape.to_string()));
  if (spec.mean.empty() || spec.std.empty())
    throw Error(fmt::format("{}: the input normalisation (mean/std) is not known (no torchvino.input metadata): "
                            "give the input spec",
                            file));
  for (float s : spec.std)
    if (!(s > 0)) throw Error(fmt::format("{}: input std {} must be positive", file, s));
  input.channels = channels;

  ov::preprocess::PrePostProcessor ppp(model);
  auto& in = ppp.input();
  input.height = height;
  input.width = width;
  input.interpolation = spec.interpolation.value_or(Interpolation::Bilinear);
  input.antialias = spec.antialias.value_or(true);
  in.tensor()
      .set_element_type(ov::element::u8)
      .set_layout("NHWC")
      .set_shape(ov::PartialShape{shape[0], height, width, channels});
  in.model().set_layout("NCHW");
  // (pixel - 255·mean) / (255·std) = (pixel/255 - mean)/std; the layout change follows implicitly.
  // No resize in the graph: OpenVINO's is neither Pillow's nor antialiased; fill() resizes.
  in.preprocess()
      .convert_element_type(ov::element::f32)
      .mean(scaled(spec.mean, channels, "mean", file))
      .scale(scaled(spec.std, channels, "std", file));
  try {
    return ppp.build();
  } catch (const ov::Exception& e) {
    throw Error(fmt::format("{}: OpenVINO rejected the input preprocessing: {}", file, e.what()));
  }
}

std::string image_problem(const ImageView& image, const ModelInput& input) {
  if (!image.pixels) return "no pixels";
  if (image.height < 1 || image.width < 1) return fmt::format("empty image ({}×{})", image.height, image.width);
  if (image.channels != 1 && image.channels != 3)
    return fmt::format("{} channels; expected 1 (gray) or 3 (RGB)", image.channels);
  if (input.baked && (image.height != input.height || image.width != input.width))
    return fmt::format("{}×{} pixels; the model's preprocessing was baked for {}×{} images", image.height,
                       image.width, input.height, input.width);
  return "";
}

ov::Shape checked_image_shape(const std::vector<ImageView>& images, const ModelInput& input, const std::string& what) {
  if (images.empty()) throw Error(what + ": no images");
  for (const auto& image : images)
    if (const auto problem = image_problem(image, input); !problem.empty()) throw Error(what + ": " + problem);
  if (input.batch > 0 && static_cast<int64_t>(images.size()) != input.batch)
    throw Error(fmt::format("{}: the model takes batches of exactly {} images, not {}", what, input.batch,
                            images.size()));
  return ov::Shape{images.size(), size_t(input.height), size_t(input.width), size_t(input.channels)};
}

namespace {

// `pixels` pixels of `from` channels as `to` channels, interleaved.
void convert_channels(const uint8_t* in, int64_t from, uint8_t* out, int64_t to, size_t pixels) {
  if (from == to) {
    std::memcpy(out, in, pixels * static_cast<size_t>(to));
  } else if (to == 3) {  // gray → RGB
    for (size_t i = 0; i < pixels; ++i) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = in[i];
  } else {  // RGB → gray
    for (size_t i = 0; i < pixels; ++i) out[i] = luma(in + 3 * i);
  }
}

// One interleaved image resized to the model's input: through planes, which resample() takes.
void resize_into(const uint8_t* hwc, int64_t h, int64_t w, const ModelInput& input, uint8_t* out,
                 std::vector<uint8_t>& planes, std::vector<uint8_t>& resized) {
  const int64_t c = input.channels, oh = input.height, ow = input.width;
  planes.resize(static_cast<size_t>(c * h * w));
  for (int64_t i = 0; i < h * w; ++i)
    for (int64_t k = 0; k < c; ++k) planes[static_cast<size_t>(k * h * w + i)] = hwc[i * c + k];
  resized.resize(static_cast<size_t>(c * oh * ow));
  resample(planes.data(), c, h, w, resized.data(), oh, ow, PixelWindow{0, 0, oh, ow}, input.interpolation,
           input.antialias);
  for (int64_t i = 0; i < oh * ow; ++i)
    for (int64_t k = 0; k < c; ++k) out[i * c + k] = resized[static_cast<size_t>(k * oh * ow + i)];
}

void fill(const std::vector<ImageView>& images, const ModelInput& input, ov::Tensor& tensor) {
  const int64_t c = input.channels;
  uint8_t* out = tensor.data<uint8_t>();
  const auto per_image = static_cast<size_t>(input.height * input.width * c);
  std::vector<uint8_t> converted, planes, resized;
  for (const auto& image : images) {
    const auto pixels = static_cast<size_t>(image.height * image.width);
    const bool same_size = image.height == input.height && image.width == input.width;
    if (same_size) {
      convert_channels(image.pixels, image.channels, out, c, pixels);
    } else {
      converted.resize(pixels * static_cast<size_t>(c));
      convert_channels(image.pixels, image.channels, converted.data(), c, pixels);
      resize_into(converted.data(), image.height, image.width, input, out, planes, resized);
    }
    out += per_image;
  }
}

}  // namespace

ov::Tensor image_tensor(const std::vector<ImageView>& images, const ModelInput& input, const std::string& what) {
  ov::Tensor tensor(ov::element::u8, checked_image_shape(images, input, what));
  fill(images, input, tensor);
  return tensor;
}

void write_image_tensor(const std::vector<ImageView>& images, const ModelInput& input, const ov::Shape& shape,
                        ov::Tensor& tensor) {
  if (tensor.get_element_type() != ov::element::u8)
    throw Error(std::string("the model's input is not uint8 but ") + tensor.get_element_type().get_type_name());
  if (tensor.get_shape() != shape) tensor.set_shape(shape);
  fill(images, input, tensor);
}

}  // namespace torchvino::classify
