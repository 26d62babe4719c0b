#include "data/resample.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "torchvino/error.hpp"
#include "util/strings.hpp"

namespace torchvino {
namespace {

// The two passes are compiled for AVX2 and AVX-512 too, chosen when the process starts (GCC's
// function multiversioning): their integer multiply-adds vectorise 2–4× wider than the x86-64
// baseline this library is built for.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TORCHVINO_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TORCHVINO_VECTOR_CLONES
#endif

// Weights in fixed point with 22 fractional bits: 8-bit pixels times weights summed over a few
// dozen taps stay within int32 (Pillow's PRECISION_BITS for 8-bit images).
constexpr int kFractionBits = 32 - 8 - 2;

double triangle(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Keys' cubic: a = −0.5 in Pillow's BICUBIC, −0.75 in torch's and OpenCV's.
double keys_cubic(double x, double a) {
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// For each output position along one axis: the first source pixel and the fixed-point weights of
// the source pixels from it.
struct Taps {
  std::vector<int64_t> first, count;
  std::vector<int32_t> weights;  // `stride` per output position
  int64_t stride = 0;
};

int32_t fixed_point(double weight) {
  const double k = weight * (1 << kFractionBits);
  return static_cast<int32_t>(k < 0 ? k - 0.5 : k + 0.5);  // round half away from zero, as Pillow
}

// torch's interpolate(mode="bicubic", antialias=False) and OpenCV's INTER_CUBIC: four taps with
// a = −0.75 around the source coordinate (d + 0.5)·in/out − 0.5, the border pixel repeated where
// they fall outside (its weights summed), never renormalised.
Taps plain_cubic_taps(int64_t in_size, int64_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  Taps t;
  t.stride = 4;
  t.first.resize(static_cast<size_t>(out_size));
  t.count.resize(static_cast<size_t>(out_size));
  t.weights.assign(static_cast<size_t>(out_size * t.stride), 0);
  for (int64_t o = 0; o < out_size; ++o) {
    const double source = (static_cast<double>(o) + 0.5) * scale - 0.5;
    const auto base = static_cast<int64_t>(std::floor(source));
    const double f = source - static_cast<double>(base);
    const double w[4] = {keys_cubic(f + 1.0, -0.75), keys_cubic(f, -0.75), keys_cubic(1.0 - f, -0.75),
                         keys_cubic(2.0 - f, -0.75)};
    const int64_t lo = std::clamp<int64_t>(base - 1, 0, in_size - 1), hi = std::clamp<int64_t>(base + 2, 0, in_size - 1);
    double merged[4] = {0, 0, 0, 0};
    for (int64_t i = 0; i < 4; ++i) merged[std::clamp<int64_t>(base - 1 + i, 0, in_size - 1) - lo] += w[i];
    t.first[static_cast<size_t>(o)] = lo;
    t.count[static_cast<size_t>(o)] = hi - lo + 1;
    for (int64_t i = 0; i <= hi - lo; ++i) t.weights[static_cast<size_t>(o * t.stride + i)] = fixed_point(merged[i]);
  }
  return t;
}

Taps filter_taps(int64_t in_size, int64_t out_size, Interpolation interpolation, bool antialias) {
  const bool cubic = interpolation == Interpolation::Bicubic;
  if (cubic && !antialias) return plain_cubic_taps(in_size, out_size);
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double filter_scale = antialias ? std::max(scale, 1.0) : 1.0;
  const double support = (cubic ? 2.0 : 1.0) * filter_scale;
  Taps t;
  t.stride = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  t.first.resize(static_cast<size_t>(out_size));
  t.count.resize(static_cast<size_t>(out_size));
  t.weights.assign(static_cast<size_t>(out_size * t.stride), 0);
  std::vector<double> w(static_cast<size_t>(t.stride));
  const double inverse_scale = 1.0 / filter_scale;  // multiplied, not divided: Pillow's doubles
  for (int64_t o = 0; o < out_size; ++o) {
    const double center = (static_cast<double>(o) + 0.5) * scale;
    // Truncation toward zero, then clamped: Pillow's rounding of the window's ends.
    const auto lo = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    const auto hi = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in_size);
    const int64_t n = std::min(hi - lo, t.stride);
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double x = (static_cast<double>(i + lo) - center + 0.5) * inverse_scale;
      w[static_cast<size_t>(i)] = cubic ? keys_cubic(x, -0.5) : triangle(x);
      total += w[static_cast<size_t>(i)];
    }
    int32_t* fixed = &t.weights[static_cast<size_t>(o * t.stride)];
    for (int64_t i = 0; i < n; ++i) fixed[i] = fixed_point(total != 0.0 ? w[static_cast<size_t>(i)] / total : 0.0);
    t.first[static_cast<size_t>(o)] = lo;
    t.count[static_cast<size_t>(o)] = n;
  }
  return t;
}

uint8_t clip8(int32_t sum) {
  return static_cast<uint8_t>(std::clamp(sum >> kFractionBits, 0, 255));
}

constexpr int32_t kHalf = 1 << (kFractionBits - 1);

// Nearest, as Pillow's affine nearest transform: the source pixel under each output pixel's
// centre, the positions stepped by repeated addition (the same doubles Pillow gets).
std::vector<int64_t> nearest_sources(int64_t in_size, int64_t out_size) {
  const double step = static_cast<double>(in_size) / static_cast<double>(out_size);
  std::vector<int64_t> source(static_cast<size_t>(out_size));
  double position = step * 0.5;
  for (auto& s : source) {
    s = std::clamp<int64_t>(static_cast<int64_t>(position), 0, in_size - 1);
    position += step;
  }
  return source;
}

void resample_nearest(const uint8_t* in, int64_t in_h, int64_t in_w, uint8_t* out, int64_t out_h, int64_t out_w,
                      const PixelWindow& win) {
  const auto rows = nearest_sources(in_h, out_h), cols = nearest_sources(in_w, out_w);
  for (int64_t y = 0; y < win.height; ++y) {
    const uint8_t* src = in + rows[static_cast<size_t>(win.top + y)] * in_w;
    for (int64_t x = 0; x < win.width; ++x) *out++ = src[cols[static_cast<size_t>(win.left + x)]];
  }
}

// Output columns [left, left + width) of `lines` lines; source column c of line r is at
// src[r·stride + c − col0].
TORCHVINO_VECTOR_CLONES void horizontal_pass(const uint8_t* src, int64_t stride, int64_t col0, int64_t lines, const Taps& taps,
                     int64_t left, int64_t width, uint8_t* dst, std::vector<uint8_t>& columns,
                     std::vector<int32_t>& sums) {
  // The columns the window reads, transposed: each output column is then a weighted sum of a few
  // contiguous column vectors, vectorised across the lines like the vertical pass.
  const auto last = static_cast<size_t>(left + width - 1);
  const int64_t first = taps.first[static_cast<size_t>(left)];
  const int64_t count = taps.first[last] + taps.count[last] - first;
  columns.resize(static_cast<size_t>(count * lines));
  for (int64_t r = 0; r < lines; ++r) {
    const uint8_t* line = src + r * stride + (first - col0);
    for (int64_t c = 0; c < count; ++c) columns[static_cast<size_t>(c * lines + r)] = line[c];
  }
  sums.resize(static_cast<size_t>(lines));
  for (int64_t x = 0; x < width; ++x) {
    const auto o = static_cast<size_t>(left + x);
    const int32_t* k = &taps.weights[o * static_cast<size_t>(taps.stride)];
    std::fill(sums.begin(), sums.end(), kHalf);
    for (int64_t i = 0; i < taps.count[o]; ++i) {
      const uint8_t* column = columns.data() + (taps.first[o] - first + i) * lines;
      const int32_t weight = k[i];
      for (int64_t r = 0; r < lines; ++r) sums[static_cast<size_t>(r)] += column[r] * weight;
    }
    for (int64_t r = 0; r < lines; ++r) dst[r * width + x] = clip8(sums[static_cast<size_t>(r)]);
  }
}

// Output rows [top, top + height) of `width` columns; source row r is at src + (r − row0)·stride.
// Line by line over the taps: contiguous, so the compiler vectorises across the columns.
TORCHVINO_VECTOR_CLONES void vertical_pass(const uint8_t* src, int64_t stride, int64_t row0, const Taps& taps, int64_t top, int64_t height,
                   int64_t width, uint8_t* dst, std::vector<int32_t>& sums) {
  sums.resize(static_cast<size_t>(width));
  for (int64_t y = 0; y < height; ++y) {
    const auto o = static_cast<size_t>(top + y);
    const int32_t* k = &taps.weights[o * static_cast<size_t>(taps.stride)];
    std::fill(sums.begin(), sums.end(), kHalf);
    for (int64_t i = 0; i < taps.count[o]; ++i) {
      const uint8_t* line = src + (taps.first[o] + i - row0) * stride;
      const int32_t weight = k[i];
      for (int64_t x = 0; x < width; ++x) sums[static_cast<size_t>(x)] += line[x] * weight;
    }
    for (int64_t x = 0; x < width; ++x) *dst++ = clip8(sums[static_cast<size_t>(x)]);
  }
}

// One plane: the passes whose size changes, in Pillow's order, each over only the lines and
// columns the window needs, the first into `between`.
void resample_plane(const uint8_t* in, int64_t in_h, int64_t in_w, uint8_t* out, int64_t out_h, int64_t out_w,
                    const PixelWindow& win, const Taps* horizontal, const Taps* vertical,
                    std::vector<uint8_t>& between, std::vector<uint8_t>& scratch, std::vector<int32_t>& sums) {
  if (!vertical) {
    horizontal_pass(in + win.top * in_w, in_w, 0, win.height, *horizontal, win.left, win.width, out, scratch, sums);
  } else if (!horizontal) {
    vertical_pass(in + win.left, in_w, 0, *vertical, win.top, win.height, win.width, out, sums);
  } else if (!resizes_vertically_first(in_h, in_w, out_h, out_w)) {
    const auto last = static_cast<size_t>(win.top + win.height - 1);
    const int64_t first_row = vertical->first[static_cast<size_t>(win.top)];
    const int64_t rows = vertical->first[last] + vertical->count[last] - first_row;
    between.resize(static_cast<size_t>(rows * win.width));
    horizontal_pass(in + first_row * in_w, in_w, 0, rows, *horizontal, win.left, win.width, between.data(), scratch,
                    sums);
    vertical_pass(between.data(), win.width, first_row, *vertical, win.top, win.height, win.width, out, sums);
  } else {
    const auto last = static_cast<size_t>(win.left + win.width - 1);
    const int64_t first_column = horizontal->first[static_cast<size_t>(win.left)];
    const int64_t columns = horizontal->first[last] + horizontal->count[last] - first_column;
    between.resize(static_cast<size_t>(win.height * columns));
    vertical_pass(in + first_column, in_w, 0, *vertical, win.top, win.height, columns, between.data(), sums);
    horizontal_pass(between.data(), columns, first_column, win.height, *horizontal, win.left, win.width, out,
                    scratch, sums);
  }
}

}  // namespace

bool resizes_vertically_first(int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w) {
  return in_h - out_h > 0 && in_h - out_h > 2 * (in_w - out_w);
}

void resample(const uint8_t* in, int64_t planes, int64_t in_h, int64_t in_w, uint8_t* out, int64_t out_h,
              int64_t out_w, const PixelWindow& window, Interpolation interpolation, bool antialias) {
  if (in_h < 1 || in_w < 1 || out_h < 1 || out_w < 1)
    throw Error(util::cat("resample: cannot resize ", in_h, "×", in_w, " to ", out_h, "×", out_w));
  if (window.top < 0 || window.left < 0 || window.height < 1 || window.width < 1 ||
      window.top + window.height > out_h || window.left + window.width > out_w)
    throw Error(util::cat("resample: window ", window.height, "×", window.width, " at (", window.top, ", ",
                          window.left, ") is not inside ", out_h, "×", out_w));
  const int64_t in_plane = in_h * in_w, out_plane = window.height * window.width;
  if (interpolation == Interpolation::Nearest) {
    for (int64_t p = 0; p < planes; ++p)
      resample_nearest(in + p * in_plane, in_h, in_w, out + p * out_plane, out_h, out_w, window);
    return;
  }
  // Pillow skips a pass whose size does not change (the copy is exact).
  std::optional<Taps> horizontal, vertical;
  if (out_w != in_w) horizontal = filter_taps(in_w, out_w, interpolation, antialias);
  if (out_h != in_h) vertical = filter_taps(in_h, out_h, interpolation, antialias);
  if (!horizontal && !vertical) {  // only the crop
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t y = 0; y < window.height; ++y)
        std::copy_n(in + p * in_plane + (window.top + y) * in_w + window.left, window.width,
                    out + p * out_plane + y * window.width);
    return;
  }
  std::vector<uint8_t> between, scratch;
  std::vector<int32_t> sums;
  for (int64_t p = 0; p < planes; ++p)
    resample_plane(in + p * in_plane, in_h, in_w, out + p * out_plane, out_h, out_w, window,
                   horizontal ? &*horizontal : nullptr, vertical ? &*vertical : nullptr, between, scratch, sums);
}

}  // namespace torchvino
