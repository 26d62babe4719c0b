// The CIFAR-10 binary loader, on batch files the tests write.
#include "data_images_support.hpp"

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
