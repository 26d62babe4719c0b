#include <torch/torch.h>

#include <cmath>

#include "data/preprocess.hpp"
#include "data/resample.hpp"
#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

Preprocessing Preprocessing::imagenet(int64_t crop) {
  if (crop < 1)
    throw Error(util::cat("ImageNet preprocessing: crop size must be positive, got ", crop));
  const Normalization n = imagenet_normalization();
  Preprocessing p;
  p.imagenet_geometry(crop);
  p.mean = n.mean;
  p.std = n.std;
  p.channels = 3;
  return p;
}

Preprocessing& Preprocessing::imagenet_geometry(int64_t crop_size) {
  resize = crop_size * 256 / 224;
  keep_aspect = true;
  crop = crop_size;
  return *this;
}

Normalization imagenet_normalization() {
  return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
}

namespace {

void check_preprocessing(const Preprocessing& p) {
  if (p.channels != 1 && p.channels != 3) {
    throw Error(util::cat("preprocessing: channels must be 1 or 3, got ", p.channels));
  }
  if (p.resize < 0 || p.crop < 0) {
    throw Error(util::cat("preprocessing: resize (", p.resize, ") and crop (", p.crop,
                          ") must not be negative"));
  }
  auto check_size = [&](const std::vector<float>& v, const char* what) {
    if (v.size() != 1 && v.size() != static_cast<size_t>(p.channels)) {
      throw Error(util::cat("preprocessing: ", what, " needs 1 or ", p.channels, " values, got ",
                            v.size()));
    }
  };
  check_size(p.mean, "mean");
  check_size(p.std, "std");
  for (float s : p.std) {
    if (!(s > 0.0f)) throw Error(util::cat("preprocessing: std values must be positive, got ", s));
  }
}

// One value per output channel, as a 1×C×1×1 tensor to broadcast over a batch.
torch::Tensor channel_tensor(const std::vector<float>& v, int64_t channels) {
  return torch::tensor(per_channel(v, channels), torch::kFloat).view({1, channels, 1, 1});
}

}  // namespace

std::pair<int64_t, int64_t> resized_size(int64_t h, int64_t w, const Preprocessing& p) {
  if (p.resize == 0) return {h, w};
  if (!p.keep_aspect) return {p.resize, p.resize};
  if (h <= w) return {p.resize, static_cast<int64_t>(static_cast<double>(p.resize) * w / h)};
  return {static_cast<int64_t>(static_cast<double>(p.resize) * h / w), p.resize};
}

std::vector<float> per_channel(const std::vector<float>& v, int64_t channels) {
  std::vector<float> full(static_cast<size_t>(channels), v.front());
  if (v.size() == full.size()) full = v;
  return full;
}

torch::Tensor preprocess_batch(const torch::Tensor& nchw_uint8, const Preprocessing& p) {
  check_preprocessing(p);
  if (!nchw_uint8.defined() || nchw_uint8.dim() != 4 || nchw_uint8.scalar_type() != torch::kUInt8) {
    throw Error("preprocessing: expected a uint8 image batch N×C×H×W");
  }
  const int64_t c = nchw_uint8.size(1);
  if (c != 1 && c != 3) {
    throw Error(util::cat("preprocessing: images must have 1 or 3 channels, got ", c));
  }
  const int64_t h = nchw_uint8.size(2);
  const int64_t w = nchw_uint8.size(3);
  if (h < 1 || w < 1) throw Error(util::cat("preprocessing: empty image ", h, "×", w));

  const auto [rh, rw] = resized_size(h, w, p);
  PixelWindow window{0, 0, rh, rw};
  if (p.crop > 0) {
    if (rh < p.crop || rw < p.crop) {
      throw Error(util::cat("preprocessing: image ", rh, "×", rw, " is smaller than the ", p.crop,
                            "×", p.crop, " centre crop"));
    }
    // Round half to even, as torchvision's CenterCrop does with Python's round().
    window = {static_cast<int64_t>(std::nearbyint((rh - p.crop) / 2.0)),
              static_cast<int64_t>(std::nearbyint((rw - p.crop) / 2.0)), p.crop, p.crop};
  }
  // Resized on the 8-bit pixels, as torchvision's Resize on a PIL image, and only the crop.
  torch::Tensor pixels = nchw_uint8;
  if (rh != h || rw != w) {
    const auto source = nchw_uint8.contiguous();
    pixels = torch::empty({source.size(0), c, window.height, window.width}, torch::kUInt8);
    if (source.size(0) > 0)
      resample(source.data_ptr<uint8_t>(), source.size(0) * c, h, w, pixels.data_ptr<uint8_t>(), rh, rw, window,
               p.interpolation, p.antialias);
  } else {
    pixels = pixels.narrow(2, window.top, window.height).narrow(3, window.left, window.width);
  }
  torch::Tensor x = pixels.to(torch::kFloat);
  // Whether x owns a fresh buffer that later steps may overwrite in place.
  bool owned = !x.is_same(pixels);

  if (c == 3 && p.channels == 1) {
    // ITU-R 601 luma, the weights PIL uses for convert("L").
    const auto weights = torch::tensor({0.299f, 0.587f, 0.114f}).view({1, 3, 1, 1});
    x = (x * weights).sum(1, /*keepdim=*/true);
    owned = true;
  } else if (c == 1 && p.channels == 3) {
    x = x.expand({x.size(0), 3, x.size(2), x.size(3)});
    owned = false;
  }

  // torchvision's arithmetic, operation for operation (ToTensor divides by 255; Normalize subtracts
  // the mean and divides by the std), so that the tensors equal torchvision's bit for bit.
  const auto mean = channel_tensor(p.mean, p.channels), deviation = channel_tensor(p.std, p.channels);
  if (owned && x.is_contiguous()) {
    x.div_(255.0f).sub_(mean).div_(deviation);
  } else {
    x = x.div(255.0f).sub_(mean).div_(deviation);
  }
  return x.contiguous();
}

torch::Tensor preprocess_image(const torch::Tensor& hwc_uint8, const Preprocessing& p) {
  if (!hwc_uint8.defined() || hwc_uint8.dim() != 3) {
    throw Error("preprocessing: expected a uint8 image H×W×C");
  }
  return preprocess_batch(hwc_uint8.permute({2, 0, 1}).unsqueeze(0), p).squeeze(0);
}

}  // namespace torchvino
