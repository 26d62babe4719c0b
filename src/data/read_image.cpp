// Image files decoded with libjpeg-turbo (TurboJPEG API) and libpng, the reference decoders,
// maintained for untrusted input. stb_image (Debian 12's 2.27), used before, had three bugs that
// our fuzzing found within minutes (tests/fuzz/corpus/image keeps those inputs). No LibTorch: the
// runtime library decodes images with this file.
#include <png.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cctype>
#include <csetjmp>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "data/file_bytes.hpp"
#include "torchvino/error.hpp"
#include "torchvino/image.hpp"
#include "util/strings.hpp"

namespace torchvino {

namespace {

bool starts_with(const std::vector<uint8_t>& bytes, std::initializer_list<uint8_t> magic) {
  return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin());
}

void check_pixel_limit(const std::filesystem::path& file, uint64_t width, uint64_t height, uint64_t pixels_max) {
  if (width * height > pixels_max)
    throw Error(util::cat(file.string(), ": image is ", width, "×", height, " pixels, more than max_image_pixels = ",
                          pixels_max),
                "max_image_pixels");
}

// A CMYK (or YCCK) JPEG as Pillow opens it and converts it to RGB, which is what torchvision's
// loader does: the stored values taken as inverted (Adobe's convention, which Pillow always
// assumes), then R = (255 − K) − C·(255 − K)/255 in Pillow's integer rounding, likewise G and B.
template <class Fail>
Image cmyk_jpeg_as_rgb(tjhandle tj, const std::vector<uint8_t>& bytes, int width, int height, int flags,
                       const Fail& fail) {
  const auto pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
  std::vector<uint8_t> stored(pixels * 4);
  if (tjDecompress2(tj, bytes.data(), bytes.size(), stored.data(), width, 0, height, TJPF_CMYK, flags) != 0)
    throw fail("data corrupt, truncated or unsupported");
  Image image{.height = height, .width = width, .channels = 3, .pixels = std::vector<uint8_t>(pixels * 3)};
  for (size_t i = 0; i < pixels; ++i) {
    const uint8_t* s = &stored[4 * i];
    const int not_k = s[3];  // 255 − K, K being 255 − stored
    for (int c = 0; c < 3; ++c) {
      const int t = (255 - s[c]) * not_k + 128;
      image.pixels[3 * i + static_cast<size_t>(c)] =
          static_cast<uint8_t>(std::clamp(not_k - (((t >> 8) + t) >> 8), 0, 255));
    }
  }
  return image;
}

Image decode_jpeg(const std::vector<uint8_t>& bytes, const std::filesystem::path& file, uint64_t pixels_max) {
  std::unique_ptr<void, decltype(&tjDestroy)> tj(tjInitDecompress(), &tjDestroy);
  if (!tj) throw Error(util::cat(file.string(), ": cannot start the JPEG decoder: ", tjGetErrorStr2(nullptr)));
  const auto fail = [&](const char* what) {
    return Error(util::cat(file.string(), ": cannot decode image: JPEG ", what, " (", tjGetErrorStr2(tj.get()), ")"));
  };
  if (bytes.size() > std::numeric_limits<unsigned long>::max()) throw fail("file too large");
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.get(), bytes.data(), bytes.size(), &width, &height, &subsampling, &colorspace) != 0)
    throw fail("header unreadable");
  check_pixel_limit(file, static_cast<uint64_t>(width), static_cast<uint64_t>(height), pixels_max);
  // A warning (truncated or corrupt data, which libjpeg would fill in with gray) is an error: an
  // image that is not what its file says must not be classified silently. At most 500 scans of a
  // progressive JPEG, so a small file cannot make us decode for minutes.
  const int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) return cmyk_jpeg_as_rgb(tj.get(), bytes, width, height, flags, fail);
  const int channels = colorspace == TJCS_GRAY ? 1 : 3;
  Image image{.height = height, .width = width, .channels = channels, .pixels = {}};
  image.pixels.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * static_cast<size_t>(channels));
  if (tjDecompress2(tj.get(), bytes.data(), bytes.size(), image.pixels.data(), width, 0, height,
                    channels == 1 ? TJPF_GRAY : TJPF_RGB, flags) != 0)
    throw fail("data corrupt, truncated or unsupported");
  return image;
}

// libpng reports errors by longjmp: PngReader keeps everything the jump can skip over in plain
// members (no C++ object is created between setjmp and the end of decode()), and throws only after
// the jump has landed.
struct PngReader {
  const std::vector<uint8_t>& bytes;
  size_t offset = 0;
  char message[256] = {};
  png_structp png = nullptr;
  png_infop info = nullptr;
  int passes = 1;

  ~PngReader() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }

  static void read(png_structp png, png_bytep out, size_t length) {
    auto* self = static_cast<PngReader*>(png_get_io_ptr(png));
    if (length > self->bytes.size() - self->offset) png_error(png, "file ends early");
    std::memcpy(out, self->bytes.data() + self->offset, length);
    self->offset += length;
  }
  static void on_error(png_structp png, png_const_charp what) {
    auto* self = static_cast<PngReader*>(png_get_error_ptr(png));
    std::snprintf(self->message, sizeof self->message, "%s", what);
    png_longjmp(png, 1);
  }
  static void on_warning(png_structp, png_const_charp) {}  // e.g. unknown chunks: harmless

  // Returns false with `message` set on a libpng error; `too_large` when the size exceeds the
  // limit (checked before the pixels are allocated).
  bool decode(Image& image, uint64_t max_pixels, bool& too_large, png_uint_32& width, png_uint_32& height) {
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, this, &PngReader::on_error, &PngReader::on_warning);
    if (!png) return std::snprintf(message, sizeof message, "out of memory"), false;
    info = png_create_info_struct(png);
    if (!info) return std::snprintf(message, sizeof message, "out of memory"), false;
    if (setjmp(png_jmpbuf(png))) return false;
    png_set_read_fn(png, this, &PngReader::read);
    // Text and colour-profile chunks are skipped unread (models take the pixels as they are), so a
    // crafted zTXt or iCCP chunk cannot make libpng inflate megabytes; other ancillary chunks are
    // capped at 8 MB each.
    static const png_byte ignored[] = "iCCP\0iTXt\0tEXt\0zTXt\0sPLT\0eXIf";
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, nullptr, 0);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored, 6);
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);
    width = png_get_image_width(png, info);
    height = png_get_image_height(png, info);
    if (uint64_t(width) * uint64_t(height) > max_pixels) return too_large = true, false;
    const int color_type = png_get_color_type(png, info);
    // To 8-bit gray or RGB, as PIL's convert("L"/"RGB") gives PyTorch users: palettes and low
    // bit depths expanded, alpha dropped (not composited), gamma ignored. 16-bit samples: PIL
    // keeps their high byte, except in a plain 16-bit gray image, which it opens as mode I;16
    // and clips to 255 when converting (values above 255 become white).
    const bool gray16 = png_get_bit_depth(png, info) == 16 && color_type == PNG_COLOR_TYPE_GRAY;
    png_set_expand(png);
    if (!gray16) png_set_strip_16(png);
    png_set_strip_alpha(png);
    passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    image.channels = (color_type & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    const size_t sample_bytes = gray16 ? 2 : 1;
    if (png_get_channels(png, info) != image.channels || png_get_bit_depth(png, info) != 8 * sample_bytes)
      png_error(png, "unexpected pixel format after conversion");
    image.height = height;
    image.width = width;
    const size_t row_bytes = size_t(width) * size_t(image.channels) * sample_bytes;
    image.pixels.resize(row_bytes * height);
    for (int pass = 0; pass < passes; ++pass)
      for (png_uint_32 row = 0; row < height; ++row) png_read_row(png, image.pixels.data() + row * row_bytes, nullptr);
    png_read_end(png, nullptr);
    if (gray16) {  // big-endian samples, clipped in place
      uint8_t* p = image.pixels.data();
      for (size_t i = 0; i < size_t(width) * height; ++i) p[i] = p[2 * i] != 0 ? 255 : p[2 * i + 1];
      image.pixels.resize(size_t(width) * height);
    }
    return true;
  }
};

Image decode_png(const std::vector<uint8_t>& bytes, const std::filesystem::path& file, uint64_t pixels_max) {
  Image image;
  PngReader reader{bytes};
  bool too_large = false;
  png_uint_32 width = 0, height = 0;
  if (!reader.decode(image, pixels_max, too_large, width, height)) {
    if (too_large) check_pixel_limit(file, width, height, pixels_max);
    throw Error(util::cat(file.string(), ": cannot decode image: PNG corrupt or truncated (", reader.message, ")"));
  }
  return image;
}

}  // namespace

const std::vector<std::string>& image_extensions() {
  static const std::vector<std::string> known = {".jpg", ".jpeg", ".png"};
  return known;
}

bool has_image_extension(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto& known = image_extensions();
  return std::find(known.begin(), known.end(), ext) != known.end();
}

Image read_image(const std::filesystem::path& file, const InputLimits& limits) {
  const std::vector<uint8_t> bytes = data::read_file_bytes(file);
  if (starts_with(bytes, {0xFF, 0xD8, 0xFF})) return decode_jpeg(bytes, file, limits.max_image_pixels);
  if (starts_with(bytes, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}))
    return decode_png(bytes, file, limits.max_image_pixels);
  throw Error(util::cat(file.string(), ": cannot decode image: not a JPEG or PNG file"));
}

}  // namespace torchvino
