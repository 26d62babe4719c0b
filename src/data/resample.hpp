#pragma once
// Resizing as Pillow's Image.resize does it to 8-bit images, which is what torchvision's Resize
// runs on a PIL image and so what most PyTorch models saw in training: a separable filter whose
// support widens with the shrink factor (the antialiasing), weights normalised and held in 22-bit
// fixed point, the horizontal pass first (vertical first when the height shrinks by more than twice
// as many pixels as the width, as Pillow 13 does), each pass rounded to uint8. Same input, same
// bytes.
// No LibTorch: the runtime library (Classifier) can use it.
#include <cstdint>

#include "torchvino/interpolation.hpp"

namespace torchvino {

// A rectangle of the resized image: rows [top, top + height), columns [left, left + width).
struct PixelWindow {
  int64_t top = 0, left = 0, height = 0, width = 0;
};

// `planes` uint8 planes of in_h×in_w pixels, one after another (N×C×H×W), each resized to
// out_h×out_w, of which only `window` is computed and written to `out` (planes of
// window.height×window.width): a centre crop costs only its own pixels, and its pixels are those
// of resizing the whole image and cropping after. Without antialiasing, what torch's
// interpolate(antialias=False) and OpenCV's cv2.resize compute: bilinear keeps its two taps when
// shrinking (enlarging is the same either way); bicubic is theirs, a = −0.75 with the border pixel
// repeated, where Pillow's is a = −0.5, renormalised at the border.
// Pillow 13 runs the vertical pass first when the height shrinks by more than twice as many pixels
// as the width (earlier Pillows never did); the order decides what is rounded in between.
bool resizes_vertically_first(int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w);

void resample(const uint8_t* in, int64_t planes, int64_t in_h, int64_t in_w, uint8_t* out, int64_t out_h,
              int64_t out_w, const PixelWindow& window, Interpolation interpolation, bool antialias);

}  // namespace torchvino
