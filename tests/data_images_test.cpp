// Preprocessing, the CIFAR-10 binary loader and image folders, on files the tests write.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>
#include <zlib.h>
#include <torch/torch.h>

#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "torchvino/data.hpp"
#include "torchvino/error.hpp"

namespace fs = std::filesystem;
using namespace torchvino;

namespace {

using test_support::Bytes;
using test_support::TempDir;
using test_support::write_bytes;


void write_text(const fs::path& file, const std::string& text) {
  write_bytes(file, Bytes(text.begin(), text.end()));
}

// A w×h PNG whose pixel (y, x), channel c is value(y, x, c).
void write_png(const fs::path& file, int w, int h, int comp,
               const std::function<uint8_t(int, int, int)>& value) {
  fs::create_directories(file.parent_path());
  Bytes pixels(static_cast<size_t>(w * h * comp));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < comp; ++c)
        pixels[static_cast<size_t>((y * w + x) * comp + c)] = value(y, x, c);
  ASSERT_NE(stbi_write_png(file.c_str(), w, h, comp, pixels.data(), w * comp), 0) << file;
}

void expect_error(const std::function<void()>& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected torchvino::Error, nothing was thrown";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& part : parts)
      EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
  }
}

// A uint8 H×W×C image with the given values, row-major.
torch::Tensor image(int64_t h, int64_t w, int64_t c, const std::vector<int>& values) {
  return torch::tensor(values, torch::kInt).to(torch::kUInt8).view({h, w, c});
}

Preprocessing plain(int64_t channels) {
  Preprocessing p;
  p.channels = channels;
  return p;
}

}  // namespace

// ---------------------------------------------------------------- preprocessing

TEST(DataPreprocess, ScalesToUnitRangeAndMovesChannelsFirst) {
  // 1×2 RGB: (10, 20, 30), (255, 0, 51)
  const auto x = preprocess_image(image(1, 2, 3, {10, 20, 30, 255, 0, 51}), plain(3));
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(x.scalar_type(), torch::kFloat);
  EXPECT_NEAR(x[0][0][0].item<float>(), 10 / 255.0f, 1e-6);
  EXPECT_NEAR(x[2][0][0].item<float>(), 30 / 255.0f, 1e-6);
  EXPECT_NEAR(x[0][0][1].item<float>(), 1.0f, 1e-6);
  EXPECT_NEAR(x[2][0][1].item<float>(), 0.2f, 1e-6);
}

TEST(DataPreprocess, NormalisesPerChannel) {
  Preprocessing p = plain(3);
  p.mean = {0.485f, 0.456f, 0.406f};
  p.std = {0.229f, 0.224f, 0.225f};
  const auto x = preprocess_image(image(1, 1, 3, {255, 0, 51}), p);
  EXPECT_NEAR(x[0][0][0].item<float>(), (1.0f - 0.485f) / 0.229f, 1e-5);
  EXPECT_NEAR(x[1][0][0].item<float>(), (0.0f - 0.456f) / 0.224f, 1e-5);
  EXPECT_NEAR(x[2][0][0].item<float>(), (0.2f - 0.406f) / 0.225f, 1e-5);
}

TEST(DataPreprocess, GrayIsReplicatedToThreeChannels) {
  const auto x = preprocess_image(image(1, 2, 1, {51, 204}), plain(3));
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{3, 1, 2}));
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(x[c][0][0].item<float>(), 0.2f, 1e-6);
    EXPECT_NEAR(x[c][0][1].item<float>(), 0.8f, 1e-6);
  }
}

TEST(DataPreprocess, ColourToGrayUsesLuma) {
  const auto x = preprocess_image(image(1, 3, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255}), plain(1));
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{1, 1, 3}));
  EXPECT_NEAR(x[0][0][0].item<float>(), 0.299f, 1e-5);
  EXPECT_NEAR(x[0][0][1].item<float>(), 0.587f, 1e-5);
  EXPECT_NEAR(x[0][0][2].item<float>(), 0.114f, 1e-5);
}

TEST(DataPreprocess, BilinearHalvingAveragesPixelPairs) {
  // 2×4 gray; halving with align_corners=false samples between pixel pairs.
  Preprocessing p = plain(1);
  p.resize = 1;
  p.keep_aspect = true;
  const auto x = preprocess_image(image(2, 4, 1, {0, 51, 102, 153, 255, 204, 153, 102}), p);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{1, 1, 2}));
  EXPECT_NEAR(x[0][0][0].item<float>(), (0 + 51 + 255 + 204) / 4.0f / 255.0f, 1e-5);
  EXPECT_NEAR(x[0][0][1].item<float>(), (102 + 153 + 153 + 102) / 4.0f / 255.0f, 1e-5);
}

TEST(DataPreprocess, ResizeShorterSideKeepsAspect) {
  auto sized = [](int64_t h, int64_t w, int64_t resize, bool keep) {
    Preprocessing p = plain(1);
    p.resize = resize;
    p.keep_aspect = keep;
    return preprocess_image(torch::zeros({h, w, 1}, torch::kUInt8), p).sizes().vec();
  };
  EXPECT_EQ(sized(10, 20, 5, true), (std::vector<int64_t>{1, 5, 10}));
  EXPECT_EQ(sized(20, 10, 5, true), (std::vector<int64_t>{1, 10, 5}));
  EXPECT_EQ(sized(7, 10, 5, true), (std::vector<int64_t>{1, 5, 7}));  // 50/7 truncated
  EXPECT_EQ(sized(375, 500, 256, true), (std::vector<int64_t>{1, 256, 341}));
  EXPECT_EQ(sized(10, 20, 6, false), (std::vector<int64_t>{1, 6, 6}));
}

TEST(DataPreprocess, CentreCropRoundsHalfToEven) {
  // Pixel value = 10·row + column, so the crop's corner tells where it was taken.
  auto crop_corner = [](int64_t h, int64_t w, int64_t crop) {
    std::vector<int> v;
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) v.push_back(static_cast<int>(10 * y + x));
    Preprocessing p = plain(1);
    p.crop = crop;
    const auto out = preprocess_image(image(h, w, 1, v), p);
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{1, crop, crop}));
    return static_cast<int>(std::lround(out[0][0][0].item<float>() * 255.0f));
  };
  EXPECT_EQ(crop_corner(5, 7, 3), 10 * 1 + 2);
  EXPECT_EQ(crop_corner(6, 6, 3), 10 * 2 + 2);  // (6-3)/2 = 1.5 → 2
  EXPECT_EQ(crop_corner(8, 8, 3), 10 * 2 + 2);  // 2.5 → 2
  EXPECT_EQ(crop_corner(3, 3, 3), 0);
}

TEST(DataPreprocess, ImagenetRecipe) {
  const auto p = Preprocessing::imagenet();
  EXPECT_EQ(p.resize, 256);
  EXPECT_EQ(p.crop, 224);
  EXPECT_TRUE(p.keep_aspect);
  EXPECT_EQ(p.channels, 3);
  EXPECT_EQ(p.mean, (std::vector<float>{0.485f, 0.456f, 0.406f}));
  EXPECT_EQ(p.std, (std::vector<float>{0.229f, 0.224f, 0.225f}));
  EXPECT_EQ(Preprocessing::imagenet(299).resize, 341);
  const auto x = preprocess_image(torch::full({300, 400, 3}, 255, torch::kUInt8), p);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{3, 224, 224}));
  EXPECT_NEAR(x[1][100][100].item<float>(), (1.0f - 0.456f) / 0.224f, 1e-4);
}

TEST(DataPreprocess, BatchMatchesSingleImages) {
  const auto batch = torch::randint(0, 256, {3, 3, 9, 12}, torch::kInt).to(torch::kUInt8);
  Preprocessing p = Preprocessing::imagenet(6);
  const auto all = preprocess_batch(batch, p);
  ASSERT_EQ(all.sizes(), (std::vector<int64_t>{3, 3, 6, 6}));
  for (int64_t i = 0; i < 3; ++i) {
    const auto one = preprocess_image(batch[i].permute({1, 2, 0}), p);
    EXPECT_TRUE(torch::allclose(all[i], one, 1e-5, 1e-5)) << "image " << i;
  }
}

TEST(DataPreprocess, RejectsBadSettings) {
  const auto img = torch::zeros({4, 4, 3}, torch::kUInt8);
  Preprocessing p = plain(2);
  expect_error([&] { preprocess_image(img, p); }, {"channels must be 1 or 3", "2"});
  p = plain(3);
  p.mean = {0.1f, 0.2f};
  expect_error([&] { preprocess_image(img, p); }, {"mean needs 1 or 3 values, got 2"});
  p = plain(3);
  p.std = {0.0f};
  expect_error([&] { preprocess_image(img, p); }, {"std", "positive"});
  p = plain(3);
  p.crop = 5;
  expect_error([&] { preprocess_image(img, p); }, {"4×4", "smaller than the 5×5"});
  expect_error([&] { preprocess_image(torch::zeros({4, 4, 2}, torch::kUInt8), plain(3)); },
               {"1 or 3 channels, got 2"});
}

// ---------------------------------------------------------------- CIFAR-10

namespace {

// Record r of batch b: label (b + r) % 10, pixel (c, y, x) = (b·40 + r·7 + c·60 + y + x) % 256.
uint8_t cifar_pixel(int b, int r, int c, int y, int x) {
  return static_cast<uint8_t>((b * 40 + r * 7 + c * 60 + y + x) % 256);
}

void write_cifar_batch(const fs::path& file, int b, int records) {
  Bytes bytes;
  for (int r = 0; r < records; ++r) {
    bytes.push_back(static_cast<uint8_t>((b + r) % 10));
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) bytes.push_back(cifar_pixel(b, r, c, y, x));
  }
  write_bytes(file, bytes);
}

void write_cifar_folder(const fs::path& dir) {
  for (int b = 1; b <= 5; ++b)
    write_cifar_batch(dir / ("data_batch_" + std::to_string(b) + ".bin"), b, 2);
  write_cifar_batch(dir / "test_batch.bin", 0, 3);
}

}  // namespace

TEST(DataCifar10, ReadsTrainBatchesInOrder) {
  TempDir tmp;
  write_cifar_folder(tmp.path());
  const ImageBatch raw = read_cifar10(tmp.path(), Split::Train);
  ASSERT_EQ(raw.images.sizes(), (std::vector<int64_t>{10, 3, 32, 32}));
  EXPECT_EQ(raw.images.scalar_type(), torch::kUInt8);
  ASSERT_EQ(raw.labels.sizes(), (std::vector<int64_t>{10}));
  EXPECT_EQ(raw.labels.scalar_type(), torch::kLong);
  const auto img = raw.images.accessor<uint8_t, 4>();
  for (int b = 1; b <= 5; ++b) {
    for (int r = 0; r < 2; ++r) {
      const int i = (b - 1) * 2 + r;
      EXPECT_EQ(raw.labels[i].item<int64_t>(), (b + r) % 10);
      EXPECT_EQ(img[i][0][0][0], cifar_pixel(b, r, 0, 0, 0));
      EXPECT_EQ(img[i][1][5][9], cifar_pixel(b, r, 1, 5, 9));
      EXPECT_EQ(img[i][2][31][30], cifar_pixel(b, r, 2, 31, 30));
    }
  }
  ASSERT_EQ(raw.class_names.size(), 10u);
  EXPECT_EQ(raw.class_names[0], "airplane");
  EXPECT_EQ(raw.class_names[9], "truck");
}

TEST(DataCifar10, TestSplitWithMetaFileAndPreprocessing) {
  TempDir tmp;
  write_cifar_folder(tmp.path());
  write_text(tmp.path() / "batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
  const Dataset d = load_cifar10(tmp.path(), Split::Test, default_preprocessing("cifar10"));
  ASSERT_EQ(d.images.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(d.class_names.front(), "a");
  EXPECT_EQ(d.class_names.back(), "j");
  EXPECT_EQ(d.labels[2].item<int64_t>(), 2);
  const float g = cifar_pixel(0, 2, 1, 4, 7) / 255.0f;
  EXPECT_NEAR(d.images[2][1][4][7].item<float>(), (g - 0.456f) / 0.224f, 1e-5);
}

TEST(DataCifar10, LoadDatasetWithLimitAndResize) {
  TempDir tmp;
  write_cifar_folder(tmp.path());
  DatasetOptions o{.name = "cifar10", .data_dir = tmp.path()};
  o.limit = 4;
  Preprocessing p = Preprocessing::imagenet(56);
  o.preprocessing = p;
  const Dataset d = load_dataset(o, Split::Train);
  EXPECT_EQ(d.images.sizes(), (std::vector<int64_t>{4, 3, 56, 56}));
  EXPECT_EQ(d.labels[3].item<int64_t>(), 3);  // batch 2, record 1
}

TEST(DataCifar10, MissingBatchFile) {
  TempDir tmp;
  write_cifar_folder(tmp.path());
  fs::remove(tmp.path() / "data_batch_3.bin");
  expect_error([&] { read_cifar10(tmp.path(), Split::Train); },
               {(tmp.path() / "data_batch_3.bin").string(), "not found"});
}

TEST(DataCifar10, SizeNotAMultipleOfRecord) {
  TempDir tmp;
  write_cifar_folder(tmp.path());
  write_bytes(tmp.path() / "test_batch.bin", Bytes(3073 * 2 + 5, 1));
  expect_error([&] { read_cifar10(tmp.path(), Split::Test); },
               {(tmp.path() / "test_batch.bin").string(), "6151", "3073"});
}

TEST(DataCifar10, LabelOutOfRange) {
  TempDir tmp;
  write_cifar_folder(tmp.path());
  Bytes bytes(3073 * 2, 0);
  bytes[3073] = 10;
  write_bytes(tmp.path() / "test_batch.bin", bytes);
  expect_error([&] { read_cifar10(tmp.path(), Split::Test); },
               {(tmp.path() / "test_batch.bin").string(), "record 1", "label 10"});
}

TEST(DataCifar10, MetaFileWithWrongCount) {
  TempDir tmp;
  write_cifar_folder(tmp.path());
  write_text(tmp.path() / "batches.meta.txt", "cat\ndog\n");
  expect_error([&] { read_cifar10(tmp.path(), Split::Test); },
               {"batches.meta.txt", "expected 10 class names, found 2"});
}

// ---------------------------------------------------------------- image folders

TEST(DataImageFolder, DecodesPngExactly) {
  TempDir tmp;
  write_png(tmp.path() / "rgb.png", 5, 3, 3,
            [](int y, int x, int c) { return 50 * c + 10 * y + x; });
  write_png(tmp.path() / "gray.png", 4, 2, 1, [](int y, int x, int) { return 100 + 10 * y + x; });
  write_png(tmp.path() / "rgba.png", 2, 2, 4,
            [](int, int x, int c) { return c == 3 ? 7 : 30 * c + x; });
  const auto rgb = decode_image(tmp.path() / "rgb.png");
  ASSERT_EQ(rgb.sizes(), (std::vector<int64_t>{3, 5, 3}));
  EXPECT_EQ(rgb[2][4][1].item<uint8_t>(), 50 + 20 + 4);
  const auto gray = decode_image(tmp.path() / "gray.png");
  ASSERT_EQ(gray.sizes(), (std::vector<int64_t>{2, 4, 1}));
  EXPECT_EQ(gray[1][3][0].item<uint8_t>(), 113);
  const auto rgba = decode_image(tmp.path() / "rgba.png");
  ASSERT_EQ(rgba.sizes(), (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(rgba[1][1][2].item<uint8_t>(), 61);
}

TEST(DataImageFolder, DecodesJpeg) {
  TempDir tmp;
  const fs::path file = tmp.path() / "flat.jpg";
  Bytes pixels(16 * 16 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = i % 3 == 0 ? 200 : (i % 3 == 1 ? 100 : 50);
  ASSERT_NE(stbi_write_jpg(file.c_str(), 16, 16, 3, pixels.data(), 100), 0);
  const auto img = decode_image(file);
  ASSERT_EQ(img.sizes(), (std::vector<int64_t>{16, 16, 3}));
  // A flat colour survives JPEG at quality 100 within a few levels.
  EXPECT_NEAR(img[8][8][0].item<uint8_t>(), 200, 3);
  EXPECT_NEAR(img[8][8][1].item<uint8_t>(), 100, 3);
  EXPECT_NEAR(img[8][8][2].item<uint8_t>(), 50, 3);
}

// Found by fuzz_image in stb_image 2.27 (an out-of-bounds write): a Huffman table declaring more
// than the 256 codes JPEG allows. Refused, naming the file.
TEST(DataImageFolder, AJpegHuffmanTableWithTooManyCodesIsRefused) {
  TempDir tmp;
  const fs::path file = tmp.path() / "huffman.jpg";
  Bytes pixels(16 * 16 * 3, 128);
  ASSERT_NE(stbi_write_jpg(file.c_str(), 16, 16, 3, pixels.data(), 90), 0);
  std::string bytes = test_support::read_bytes(file);
  const size_t dht = bytes.find("\xFF\xC4");
  ASSERT_NE(dht, std::string::npos);
  bytes[dht + 4 + 1 + 15] = static_cast<char>(255);  // marker, length, class/id, then 16 counts
  write_bytes(file, Bytes(bytes.begin(), bytes.end()));
  expect_error([&] { decode_image(file); }, {file.string(), "cannot decode image: JPEG", "Huffman"});
}

// Found by fuzz_image in stb (a null memcpy): a PNG whose first IDAT chunk is empty. It is a valid
// PNG and decodes exactly as without the empty chunk.
TEST(DataImageFolder, APngWithAnEmptyFirstDataChunkDecodesExactly) {
  TempDir tmp;
  write_png(tmp.path() / "plain.png", 5, 4, 3, [](int y, int x, int c) { return (y * 50 + x * 20 + c * 7) % 256; });
  std::string bytes = test_support::read_bytes(tmp.path() / "plain.png");
  const size_t idat = bytes.find("IDAT") - 4;  // the chunk starts with its length
  const std::string empty_idat("\0\0\0\0IDAT\x35\xAF\x06\x1E", 12);  // length 0, type, CRC-32 of "IDAT"
  bytes.insert(idat, empty_idat);
  write_bytes(tmp.path() / "empty_idat.png", Bytes(bytes.begin(), bytes.end()));
  EXPECT_TRUE(torch::equal(decode_image(tmp.path() / "empty_idat.png"), decode_image(tmp.path() / "plain.png")));
}

// A cut-off file must not become an image padded with gray or zeros: it is an error.
TEST(DataImageFolder, TruncatedJpegAndPngAreRefused) {
  TempDir tmp;
  Bytes pixels(32 * 32 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7);
  ASSERT_NE(stbi_write_jpg((tmp.path() / "whole.jpg").c_str(), 32, 32, 3, pixels.data(), 90), 0);
  write_png(tmp.path() / "whole.png", 32, 32, 3, [](int y, int x, int c) { return (y * 31 + x * 17 + c) % 256; });
  for (const std::string name : {"whole.jpg", "whole.png"}) {
    const std::string bytes = test_support::read_bytes(tmp.path() / name);
    ASSERT_NO_THROW(decode_image(tmp.path() / name));
    const fs::path cut = tmp.path() / ("cut_" + name);
    write_bytes(cut, Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() * 2 / 3)));
    expect_error([&] { decode_image(cut); }, {cut.string(), "cannot decode image"});
  }
}

namespace {

// A PNG written chunk by chunk, for the formats stb_image_write cannot write (16-bit, palette).
void write_raw_png(const fs::path& file, uint32_t width, uint32_t height, uint8_t bit_depth, uint8_t color_type,
                   const Bytes& rows, const Bytes& palette = {}) {
  std::string out("\x89PNG\r\n\x1a\n", 8);
  const auto chunk = [&](const char* type, const Bytes& data) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(data.size() >> shift));
    std::string body(type, 4);
    body.append(data.begin(), data.end());
    const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
    out += body;
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(crc >> shift));
  };
  Bytes header;
  for (uint32_t v : {width, height})
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<uint8_t>(v >> shift));
  header.insert(header.end(), {bit_depth, color_type, 0, 0, 0});
  chunk("IHDR", header);
  if (!palette.empty()) chunk("PLTE", palette);
  uLongf size = compressBound(static_cast<uLong>(rows.size()));
  Bytes packed(size);
  ASSERT_EQ(compress(packed.data(), &size, rows.data(), static_cast<uLong>(rows.size())), Z_OK);
  packed.resize(size);
  chunk("IDAT", packed);
  chunk("IEND", {});
  write_bytes(file, Bytes(out.begin(), out.end()));
}

}  // namespace

// 16-bit samples become 8-bit ones (v·257 → v exactly), palette images RGB: what PIL gives.
TEST(DataImageFolder, SixteenBitAndPalettePngsDecodeToEightBitPixels) {
  TempDir tmp;
  Bytes rows16;  // 2×2 RGB, 16 bits per sample, each row after its filter byte 0
  for (int y = 0; y < 2; ++y) {
    rows16.push_back(0);
    for (int x = 0; x < 2; ++x)
      for (int c = 0; c < 3; ++c) {
        const uint8_t v = static_cast<uint8_t>(40 * y + 20 * x + 5 * c);
        rows16.insert(rows16.end(), {v, v});  // v·257, big-endian
      }
  }
  write_raw_png(tmp.path() / "rgb16.png", 2, 2, 16, 2, rows16);
  const auto rgb = decode_image(tmp.path() / "rgb16.png");
  ASSERT_EQ(rgb.sizes(), (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(rgb[1][1][2].item<uint8_t>(), 40 + 20 + 10);

  const Bytes palette = {10, 20, 30, 200, 150, 100};  // two colours
  write_raw_png(tmp.path() / "palette.png", 3, 1, 8, 3, Bytes{0, 1, 0, 1}, palette);
  const auto indexed = decode_image(tmp.path() / "palette.png");
  ASSERT_EQ(indexed.sizes(), (std::vector<int64_t>{1, 3, 3}));
  EXPECT_EQ(indexed[0][0][1].item<uint8_t>(), 150);
  EXPECT_EQ(indexed[0][1][0].item<uint8_t>(), 10);
}

TEST(DataImageFolder, UndecodableImageNamesFile) {
  TempDir tmp;
  const fs::path bad = tmp.path() / "cat" / "broken.png";
  write_text(bad, "this is not a PNG");
  expect_error([&] { decode_image(bad); }, {bad.string(), "cannot decode"});
  expect_error([&] { load_image_folder(tmp.path(), plain(3)); }, {bad.string(), "cannot decode"});
  expect_error([&] { decode_image(tmp.path() / "none.png"); }, {"none.png", "not found"});
}

namespace {

// root/{ant,cat,dog}: ant has a uniform 60 image, cat two colour images, dog a gray one and a
// non-image file that must be ignored.
void write_folder(const fs::path& root) {
  write_png(root / "cat" / "b.png", 6, 4, 3, [](int, int, int c) { return 10 + c; });
  write_png(root / "cat" / "a.png", 6, 4, 3, [](int, int, int c) { return 20 + c; });
  write_png(root / "dog" / "x.PNG", 6, 4, 1, [](int, int, int) { return 255; });
  write_text(root / "dog" / "notes.txt", "ignored");
  write_png(root / "ant" / "sub" / "z.png", 6, 4, 3, [](int, int, int) { return 60; });
}

}  // namespace

TEST(DataImageFolder, ScanSortsClassesAndFiles) {
  TempDir tmp;
  write_folder(tmp.path());
  const ImageFolder f = scan_image_folder(tmp.path());
  EXPECT_EQ(f.class_names, (std::vector<std::string>{"ant", "cat", "dog"}));
  ASSERT_EQ(f.files.size(), 4u);
  EXPECT_EQ(f.labels, (std::vector<int64_t>{0, 1, 1, 2}));
  EXPECT_EQ(f.files[0].filename(), "z.png");
  EXPECT_EQ(f.files[1].filename(), "a.png");
  EXPECT_EQ(f.files[2].filename(), "b.png");
  EXPECT_EQ(f.files[3].filename(), "x.PNG");
}

TEST(DataImageFolder, LabelsFileSetsIndices) {
  TempDir tmp;
  write_folder(tmp.path());
  write_text(tmp.path() / "labels.txt", "dog\r\ncat\r\nbird\r\nant\r\n\r\n");
  const ImageFolder f = scan_image_folder(tmp.path());
  EXPECT_EQ(f.class_names, (std::vector<std::string>{"dog", "cat", "bird", "ant"}));
  EXPECT_EQ(f.labels, (std::vector<int64_t>{0, 1, 1, 3}));
  EXPECT_EQ(f.files[0].filename(), "x.PNG");
}

TEST(DataImageFolder, LabelsFileErrors) {
  TempDir tmp;
  write_folder(tmp.path());
  write_text(tmp.path() / "labels.txt", "dog\ncat\n");
  expect_error([&] { scan_image_folder(tmp.path()); },
               {"ant", "not one of the dataset's 2 classes"});
  write_text(tmp.path() / "labels.txt", "dog\n\ncat\nant\n");
  expect_error([&] { scan_image_folder(tmp.path()); }, {"labels.txt:2", "empty class name"});
  write_text(tmp.path() / "labels.txt", "dog\ncat\ndog\nant\n");
  expect_error([&] { scan_image_folder(tmp.path()); }, {"labels.txt:3", "'dog'", "line 1"});
}

TEST(DataImageFolder, LoadsAndPreprocesses) {
  TempDir tmp;
  write_folder(tmp.path());
  Preprocessing p = plain(3);
  p.resize = 2;
  p.keep_aspect = false;
  const Dataset d = load_image_folder(tmp.path(), p);
  ASSERT_EQ(d.images.sizes(), (std::vector<int64_t>{4, 3, 2, 2}));
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"ant", "cat", "dog"}));
  EXPECT_EQ(std::vector<int64_t>(d.labels.data_ptr<int64_t>(), d.labels.data_ptr<int64_t>() + 4),
            (std::vector<int64_t>{0, 1, 1, 2}));
  EXPECT_NEAR(d.images[0][1][0][0].item<float>(), 60 / 255.0f, 1e-5);
  EXPECT_NEAR(d.images[1][2][1][1].item<float>(), 22 / 255.0f, 1e-5);  // cat/a.png, blue
  EXPECT_NEAR(d.images[2][0][0][1].item<float>(), 10 / 255.0f, 1e-5);  // cat/b.png, red
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(d.images[3][c][1][0].item<float>(), 1.0f, 1e-5);
  EXPECT_EQ(load_image_folder(tmp.path(), p, 2).size(), 2);
}

TEST(DataImageFolder, MixedSizesNeedCropOrSquareResize) {
  TempDir tmp;
  write_png(tmp.path() / "a" / "1.png", 6, 4, 3, [](int, int, int) { return 0; });
  write_png(tmp.path() / "b" / "2.png", 8, 4, 3, [](int, int, int) { return 0; });
  expect_error([&] { load_image_folder(tmp.path(), plain(3)); },
               {(tmp.path() / "b" / "2.png").string(), "4×8", "4×6"});
  Preprocessing p = plain(3);
  p.crop = 4;
  EXPECT_EQ(load_image_folder(tmp.path(), p).images.sizes(), (std::vector<int64_t>{2, 3, 4, 4}));
  p.crop = 5;
  expect_error([&] { load_image_folder(tmp.path(), p); },
               {(tmp.path() / "a" / "1.png").string(), "smaller than the 5×5"});
}

TEST(DataImageFolder, EmptyFolder) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "cat");
  expect_error([&] { scan_image_folder(tmp.path()); }, {tmp.path().string(), "no images"});
  expect_error([&] { scan_image_folder(tmp.path() / "nothing"); }, {"nothing", "not found"});
}

// ---------------------------------------------------------------- registry for image datasets

TEST(DataImageRegistry, NamesDirsAndNormalisation) {
  const auto names = dataset_names();
  EXPECT_EQ(names, (std::vector<std::string>{"fashion-mnist", "mnist", "cifar10", "folder"}));
  for (const char* name : {"cifar10", "folder"}) {
    const auto n = dataset_info(name).normalization;
    EXPECT_EQ(n.mean, (std::vector<float>{0.485f, 0.456f, 0.406f})) << name;
    EXPECT_EQ(n.std, (std::vector<float>{0.229f, 0.224f, 0.225f})) << name;
  }
  EXPECT_EQ(dataset_info("cifar10").default_dir, fs::path("data/cifar-10-batches-bin"));
  EXPECT_TRUE(dataset_info("folder").default_dir.empty());
  expect_error([] { load_dataset({.name = "folder", .data_dir = {}}, Split::Test); },
               {"dataset 'folder' has no default folder", "--data-dir"});
  const auto fp = default_preprocessing("folder");
  EXPECT_EQ(fp.resize, 256);
  EXPECT_EQ(fp.crop, 224);
  const auto cp = default_preprocessing("cifar10");
  EXPECT_EQ(cp.resize, 0);
  EXPECT_EQ(cp.crop, 0);
  EXPECT_EQ(cp.channels, 3);
  EXPECT_EQ(default_preprocessing("mnist").channels, 1);
}

TEST(DataImageRegistry, PreprocessingForAModelInput) {
  // Fashion-MNIST for a ResNet: squashed to 32×32, grayscale replicated, its own statistics.
  const auto f = preprocessing_for_input(dataset_info("fashion-mnist"), 3, 32);
  EXPECT_EQ(f.resize, 32);
  EXPECT_FALSE(f.keep_aspect);
  EXPECT_EQ(f.crop, 0);
  EXPECT_EQ(f.channels, 3);
  EXPECT_EQ(f.mean, std::vector<float>{0.2860f});
  EXPECT_EQ(f.std, std::vector<float>{0.3530f});
  // Photos at 224: shorter side 256, centre crop, ImageNet statistics.
  const auto p = preprocessing_for_input(dataset_info("folder"), 3, 224);
  EXPECT_EQ(p.resize, 256);
  EXPECT_TRUE(p.keep_aspect);
  EXPECT_EQ(p.crop, 224);
  EXPECT_EQ(p.channels, 3);
  EXPECT_EQ(p.mean, (std::vector<float>{0.485f, 0.456f, 0.406f}));
  // At a dataset's own input the default preprocessing; colour to luma keeps one statistic.
  const auto own = preprocessing_for_input(dataset_info("cifar10"), 3, 32);
  EXPECT_EQ(own.resize, 0);
  const auto gray = preprocessing_for_input(dataset_info("cifar10"), 1, 28);
  EXPECT_EQ(gray.resize, 28);
  EXPECT_EQ(gray.mean, std::vector<float>{0.485f});
  EXPECT_EQ(gray.std, std::vector<float>{0.229f});
}

TEST(DataImageRegistry, MissingCifarFolderSaysHowToGetIt) {
  TempDir tmp;
  expect_error(
      [&] { load_dataset({.name = "cifar10", .data_dir = tmp.path() / "c"}, Split::Test); },
      {(tmp.path() / "c").string(), "cifar-10-batches-bin", "cs.toronto.edu"});
}

TEST(DataImageRegistry, FolderDatasetSplitsShareClassNumbers) {
  TempDir tmp;
  write_folder(tmp.path() / "train");
  // The validation split lacks "ant": dog must still be class 2.
  write_png(tmp.path() / "val" / "dog" / "v.png", 6, 4, 1, [](int, int, int) { return 0; });
  DatasetOptions o{.name = "folder", .data_dir = tmp.path()};
  Preprocessing p = plain(3);
  p.crop = 4;
  o.preprocessing = p;
  const Dataset train = load_dataset(o, Split::Train);
  EXPECT_EQ(train.size(), 4);
  const Dataset val = load_dataset(o, Split::Test);
  ASSERT_EQ(val.size(), 1);
  EXPECT_EQ(val.labels[0].item<int64_t>(), 2);
  EXPECT_EQ(val.num_classes, 3);
  EXPECT_EQ(val.images.sizes(), (std::vector<int64_t>{1, 3, 4, 4}));
  fs::rename(tmp.path() / "val", tmp.path() / "test");
  EXPECT_EQ(load_dataset(o, Split::Test).size(), 1);
  fs::remove_all(tmp.path() / "test");
  expect_error([&] { load_dataset(o, Split::Test); }, {tmp.path().string(), "val/ or test/"});
}

TEST(DataImages, AnImageWithMorePixelsThanTheLimitIsRefusedBeforeDecoding) {
  TempDir tmp;
  write_png(tmp.path() / "big.png", 300, 200, 1, [](int, int, int) { return 7; });
  const InputLimits saved = input_limits();
  set_input_limits(InputLimits{.max_image_pixels = 50'000});
  std::string message;
  try {
    decode_image(tmp.path() / "big.png");
  } catch (const Error& e) {
    message = e.what();
  }
  set_input_limits(saved);
  EXPECT_NE(message.find((tmp.path() / "big.png").string() + ": image is 300×200 pixels"), std::string::npos)
      << message;
  EXPECT_NE(message.find("--max-image-pixels"), std::string::npos) << message;
  EXPECT_EQ(decode_image(tmp.path() / "big.png").size(0), 200);  // within the default limit
}
