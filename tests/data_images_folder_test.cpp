// Image decoding (JPEG, PNG) and image-folder datasets, on files the tests write.
#include <turbojpeg.h>

#include <array>
#include <zlib.h>

#include "data_images_support.hpp"

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

// 16-bit samples become 8-bit ones by their high byte, except plain 16-bit gray, clipped to 255;
// palette images RGB: what PIL's open + convert("RGB") gives.
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
  rows16 = {0, 0x12, 0xFF, 0x00, 0x80, 0x01, 0x00};  // one row, RGB 16-bit: 0x12FF 0x0080 0x0100
  write_raw_png(tmp.path() / "rgb16-high.png", 1, 1, 16, 2, rows16);
  const auto high = decode_image(tmp.path() / "rgb16-high.png");
  EXPECT_EQ(high[0][0][0].item<uint8_t>(), 0x12);  // the high byte, not 0x12FF·255/65535 rounded (0x13)
  EXPECT_EQ(high[0][0][1].item<uint8_t>(), 0);
  EXPECT_EQ(high[0][0][2].item<uint8_t>(), 1);
  // 16-bit gray (PIL's mode I;16): 0x0080 → 128, 0x0100 and 0xFFFF → 255 (clipped).
  write_raw_png(tmp.path() / "gray16.png", 3, 1, 16, 0, Bytes{0, 0x00, 0x80, 0x01, 0x00, 0xFF, 0xFF});
  const auto gray = decode_image(tmp.path() / "gray16.png");
  ASSERT_EQ(gray.sizes(), (std::vector<int64_t>{1, 3, 1}));
  EXPECT_EQ(gray[0][0][0].item<uint8_t>(), 128);
  EXPECT_EQ(gray[0][1][0].item<uint8_t>(), 255);
  EXPECT_EQ(gray[0][2][0].item<uint8_t>(), 255);

  const Bytes palette = {10, 20, 30, 200, 150, 100};  // two colours
  write_raw_png(tmp.path() / "palette.png", 3, 1, 8, 3, Bytes{0, 1, 0, 1}, palette);
  const auto indexed = decode_image(tmp.path() / "palette.png");
  ASSERT_EQ(indexed.sizes(), (std::vector<int64_t>{1, 3, 3}));
  EXPECT_EQ(indexed[0][0][1].item<uint8_t>(), 150);
  EXPECT_EQ(indexed[0][1][0].item<uint8_t>(), 10);
}

// A CMYK JPEG (what print workflows and Photoshop write) decodes to RGB as Pillow converts it,
// its stored values taken as Adobe-inverted: flat 8×8 blocks of three colours, quality 100, 4:4:4.
TEST(DataImageFolder, CmykJpegsDecodeToPillowsRgb) {
  TempDir tmp;
  const uint8_t stored[3][4] = {{255, 255, 255, 255}, {0, 255, 255, 255}, {255, 255, 255, 0}};
  std::vector<uint8_t> pixels;
  for (int y = 0; y < 8; ++y)
    for (const auto& colour : stored)
      for (int x = 0; x < 8; ++x) pixels.insert(pixels.end(), colour, colour + 4);
  tjhandle tj = tjInitCompress();
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  ASSERT_EQ(tjCompress2(tj, pixels.data(), 24, 0, 8, TJPF_CMYK, &jpeg, &size, TJSAMP_444, 100, 0), 0);
  write_bytes(tmp.path() / "cmyk.jpg", Bytes(jpeg, jpeg + size));
  tjFree(jpeg);
  tjDestroy(tj);
  const auto rgb = decode_image(tmp.path() / "cmyk.jpg");
  ASSERT_EQ(rgb.sizes(), (std::vector<int64_t>{8, 24, 3}));
  // JPEG's rounding may move a stored value by a level or two even at quality 100.
  auto expect_pixel = [&](int x, std::array<int, 3> want) {
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(rgb[4][x][c].item<int>(), want[static_cast<size_t>(c)], 2) << x << " " << c;
  };
  expect_pixel(4, {255, 255, 255});  // no ink: white
  expect_pixel(12, {0, 255, 255});   // full cyan
  expect_pixel(20, {0, 0, 0});       // full black
  // Without the inversion (stored values as ink) all three would come out the other way round.
}

TEST(DataImageFolder, UndecodableImageNamesFile) {
  TempDir tmp;
  const fs::path bad = tmp.path() / "cat" / "broken.png";
  write_text(bad, "this is not a PNG");
  expect_error([&] { decode_image(bad); }, {bad.string(), "cannot decode"});
  expect_error([&] { load_image_folder(tmp.path(), plain(3)); }, {bad.string(), "cannot decode"});
  expect_error([&] { decode_image(tmp.path() / "none.png"); }, {"none.png", "not found"});
}


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
