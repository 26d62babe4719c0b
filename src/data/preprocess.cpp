#include <torch/torch.h>

#include <cmath>

#include "data/preprocess.hpp"
#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace F = torch::nn::functional;

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

  torch::Tensor x = nchw_uint8.to(torch::kFloat);
  // Whether x owns a fresh buffer that later steps may overwrite in place.
  bool owned = !x.is_same(nchw_uint8);

  const auto [rh, rw] = resized_size(h, w, p);
  if (rh != h || rw != w) {
    if (nchw_uint8.size(0) > 0) {
      x = F::interpolate(x, F::InterpolateFuncOptions()
                                .size(std::vector<int64_t>{rh, rw})
                                .mode(torch::kBilinear)
                                .align_corners(false)
                                .antialias(false));
    } else {
      x = torch::empty({0, c, rh, rw}, torch::kFloat);
    }
    owned = true;
  }

  if (p.crop > 0) {
    if (rh < p.crop || rw < p.crop) {
      throw Error(util::cat("preprocessing: image ", rh, "×", rw, " is smaller than the ", p.crop,
                            "×", p.crop, " centre crop"));
    }
    // Round half to even, as torchvision's CenterCrop does with Python's round().
    const auto top = static_cast<int64_t>(std::nearbyint((rh - p.crop) / 2.0));
    const auto left = static_cast<int64_t>(std::nearbyint((rw - p.crop) / 2.0));
    if (rh != p.crop || rw != p.crop) {
      x = x.narrow(2, top, p.crop).narrow(3, left, p.crop);
      owned = false;
    }
  }

  if (c == 3 && p.channels == 1) {
    // ITU-R 601 luma, the weights PIL uses for convert("L").
    const auto weights = torch::tensor({0.299f, 0.587f, 0.114f}).view({1, 3, 1, 1});
    x = (x * weights).sum(1, /*keepdim=*/true);
    owned = true;
  } else if (c == 1 && p.channels == 3) {
    x = x.expand({x.size(0), 3, x.size(2), x.size(3)});
    owned = false;
  }

  // (v/255 - mean)/std folded into one multiply and one subtract per pixel.
  const auto scale = 1.0f / (channel_tensor(p.std, p.channels) * 255.0f);
  const auto shift = channel_tensor(p.mean, p.channels) / channel_tensor(p.std, p.channels);
  if (owned && x.is_contiguous()) {
    x.mul_(scale).sub_(shift);
  } else {
    x = x.mul(scale).sub_(shift);
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
