// Preprocessing (resize, crop, normalise, channels) on tensors the tests make.
#include "data_images_support.hpp"

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
  // 2×4 gray; halving without antialiasing samples between pixel pairs (torch's, OpenCV's).
  Preprocessing p = plain(1);
  p.resize = 1;
  p.keep_aspect = true;
  p.antialias = false;
  const auto pixels = image(2, 4, 1, {0, 50, 100, 200, 250, 210, 10, 30});
  auto x = preprocess_image(pixels, p);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{1, 1, 2}));
  // Each pass rounds to uint8, as Pillow does: rows (25, 150) and (230, 20), then (25 + 230)/2 →
  // 128 (half up) and (150 + 20)/2 = 85.
  EXPECT_NEAR(x[0][0][0].item<float>(), 128 / 255.0f, 1e-6);
  EXPECT_NEAR(x[0][0][1].item<float>(), 85 / 255.0f, 1e-6);
  // Antialiased (the default): the filter twice as wide weighs three source columns 0.75 : 0.75 :
  // 0.25; Pillow's Image.resize((2, 1), BILINEAR) gives [[118, 92]].
  p.antialias = true;
  x = preprocess_image(pixels, p);
  EXPECT_NEAR(x[0][0][0].item<float>(), 118 / 255.0f, 1e-6);
  EXPECT_NEAR(x[0][0][1].item<float>(), 92 / 255.0f, 1e-6);
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
