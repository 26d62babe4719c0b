// The dataset table for image datasets: names, folders, normalisation, preprocessing for a model.
#include "data_images_support.hpp"

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
               {"dataset 'folder' has no default folder", "set data_dir"});
  try {
    load_dataset({.name = "folder", .data_dir = {}}, Split::Test);
  } catch (const Error& e) {
    EXPECT_EQ(e.option(), "data_dir");
  }
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
