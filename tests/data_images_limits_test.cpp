// Input limits: an image with too many pixels is refused before its pixels are allocated.
#include "data_images_support.hpp"

TEST(DataImages, AnImageWithMorePixelsThanTheLimitIsRefusedBeforeDecoding) {
  TempDir tmp;
  write_png(tmp.path() / "big.png", 300, 200, 1, [](int, int, int) { return 7; });
  std::string message, option;
  try {
    decode_image(tmp.path() / "big.png", InputLimits{.max_image_pixels = 50'000});
  } catch (const Error& e) {
    message = e.what();
    option = e.option();
  }
  EXPECT_NE(message.find((tmp.path() / "big.png").string() + ": image is 300×200 pixels"), std::string::npos)
      << message;
  EXPECT_NE(message.find("max_image_pixels = 50000"), std::string::npos) << message;
  EXPECT_EQ(option, "max_image_pixels");
  EXPECT_EQ(decode_image(tmp.path() / "big.png").size(0), 200);  // within the default limit
}
