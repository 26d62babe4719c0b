// read_idx, the MNIST-format loader, the dataset registry and the downloader's failure paths, all
// on small files the tests write themselves.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <torch/torch.h>
#include <zlib.h>

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


void write_gzip(const fs::path& file, const Bytes& bytes) {
  gzFile gz = gzopen(file.c_str(), "wb");
  ASSERT_NE(gz, nullptr) << file;
  ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
}

Bytes read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// An IDX file of unsigned bytes with the given dims and payload.
Bytes idx_bytes(const std::vector<uint32_t>& dims, const Bytes& payload, uint8_t type = 0x08) {
  Bytes b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(d >> shift));
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes iota_bytes(size_t n, uint8_t start = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(start + i);
  return b;
}

using test_support::expect_error;

}  // namespace

// ---------------------------------------------------------------- read_idx

TEST(DataIdx, ReadsPlainFileExactly) {
  TempDir tmp;
  const fs::path file = tmp.path() / "a.idx";
  write_bytes(file, idx_bytes({3, 2, 4}, iota_bytes(24, 10)));
  const IdxArray a = read_idx(file);
  EXPECT_EQ(a.dims, (std::vector<int64_t>{3, 2, 4}));
  EXPECT_EQ(a.data, iota_bytes(24, 10));
}

TEST(DataIdx, ReadsGzipDetectedFromContentNotName) {
  TempDir tmp;
  const fs::path file = tmp.path() / "labels.bin";  // no .gz suffix on purpose
  const Bytes payload = iota_bytes(1000, 7);
  write_gzip(file, idx_bytes({1000}, payload));
  ASSERT_EQ(read_file(file).at(0), 0x1f);
  const IdxArray a = read_idx(file);
  EXPECT_EQ(a.dims, (std::vector<int64_t>{1000}));
  EXPECT_EQ(a.data, payload);
}

TEST(DataIdx, ReadsConcatenatedGzipMembers) {
  TempDir tmp;
  const Bytes whole = idx_bytes({2, 3}, {1, 2, 3, 4, 5, 6});
  write_gzip(tmp.path() / "p1", Bytes(whole.begin(), whole.begin() + 9));
  write_gzip(tmp.path() / "p2", Bytes(whole.begin() + 9, whole.end()));
  Bytes joined = read_file(tmp.path() / "p1");
  const Bytes second = read_file(tmp.path() / "p2");
  joined.insert(joined.end(), second.begin(), second.end());
  write_bytes(tmp.path() / "joined.gz", joined);
  const IdxArray a = read_idx(tmp.path() / "joined.gz");
  EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.data, (Bytes{1, 2, 3, 4, 5, 6}));
}

TEST(DataIdx, ReadsZeroSizedArray) {
  TempDir tmp;
  write_bytes(tmp.path() / "empty.idx", idx_bytes({0, 28, 28}, {}));
  const IdxArray a = read_idx(tmp.path() / "empty.idx");
  EXPECT_EQ(a.dims, (std::vector<int64_t>{0, 28, 28}));
  EXPECT_TRUE(a.data.empty());
}

TEST(DataIdx, MissingFile) {
  TempDir tmp;
  const fs::path file = tmp.path() / "nope-idx3-ubyte";
  expect_error([&] { read_idx(file); }, {file.string(), "not found"});
}

TEST(DataIdx, DirectoryInsteadOfFile) {
  TempDir tmp;
  expect_error([&] { read_idx(tmp.path()); },
               {tmp.path().string() + ": not a regular file (a directory)"});
}

TEST(DataIdx, DeviceInsteadOfFile) {
  // /dev/zero would be read forever, /dev/null looks like an empty file: both are refused.
  expect_error([&] { read_idx("/dev/null"); }, {"/dev/null: not a regular file (a device)"});
  expect_error([&] { read_idx("/dev/zero"); }, {"/dev/zero: not a regular file (a device)"});
}

TEST(DataIdx, WrongMagic) {
  TempDir tmp;
  const fs::path file = tmp.path() / "png.idx";
  write_bytes(file, {0x89, 'P', 'N', 'G', 0, 0, 0, 1, 0});
  expect_error([&] { read_idx(file); }, {file.string(), "not an IDX file", "magic", "0x89504e47"});
}

TEST(DataIdx, EmptyFile) {
  TempDir tmp;
  const fs::path file = tmp.path() / "empty";
  write_bytes(file, {});
  expect_error([&] { read_idx(file); }, {file.string(), "not an IDX file"});
}

TEST(DataIdx, UnsupportedElementType) {
  TempDir tmp;
  const fs::path file = tmp.path() / "float.idx";
  write_bytes(file, idx_bytes({2}, iota_bytes(8), 0x0D));
  expect_error([&] { read_idx(file); },
               {file.string(), "unsupported element type", "0x0d", "float32"});
}

TEST(DataIdx, TruncatedData) {
  TempDir tmp;
  const fs::path file = tmp.path() / "short.idx";
  write_bytes(file, idx_bytes({10, 28, 28}, iota_bytes(7839)));
  expect_error([&] { read_idx(file); }, {file.string(), "truncated", "7840", "7839"});
}

TEST(DataIdx, TruncatedHeader) {
  TempDir tmp;
  const fs::path file = tmp.path() / "header.idx";
  write_bytes(file, {0, 0, 8, 3, 0, 0, 0, 5});
  expect_error([&] { read_idx(file); }, {file.string(), "truncated"});
}

TEST(DataIdx, HugeDimensionsAreTruncatedNotOverflow) {
  TempDir tmp;
  const fs::path file = tmp.path() / "huge.idx";
  // 4 × (2^31-1)^... overflows 64 bits; must still be reported, not wrap to a small number.
  write_bytes(file, idx_bytes({0x7fffffff, 0x7fffffff, 0x7fffffff}, iota_bytes(4)));
  expect_error([&] { read_idx(file); }, {file.string(), "truncated"});
}

TEST(DataIdx, ExtraTrailingBytes) {
  TempDir tmp;
  const fs::path file = tmp.path() / "long.idx";
  write_bytes(file, idx_bytes({4}, iota_bytes(7)));
  expect_error([&] { read_idx(file); }, {file.string(), "3 bytes of extra data"});
}

TEST(DataIdx, ExtraBytesInsideGzip) {
  TempDir tmp;
  const fs::path file = tmp.path() / "long.idx.gz";
  write_gzip(file, idx_bytes({4}, iota_bytes(5)));
  expect_error([&] { read_idx(file); }, {file.string(), "1 bytes of extra data"});
}

TEST(DataIdx, CorruptGzip) {
  TempDir tmp;
  const fs::path good = tmp.path() / "good.gz";
  write_gzip(good, idx_bytes({100}, iota_bytes(100)));
  Bytes bytes = read_file(good);
  ASSERT_GT(bytes.size(), 20u);
  for (size_t i = 10; i < bytes.size() - 8; ++i) bytes[i] ^= 0x5a;  // scramble the deflate body
  const fs::path file = tmp.path() / "corrupt.gz";
  write_bytes(file, bytes);
  expect_error([&] { read_idx(file); }, {file.string(), "corrupt gzip"});
}

TEST(DataIdx, TruncatedGzip) {
  TempDir tmp;
  const fs::path good = tmp.path() / "good.gz";
  write_gzip(good, idx_bytes({5000}, iota_bytes(5000)));
  Bytes bytes = read_file(good);
  bytes.resize(bytes.size() / 2);
  const fs::path file = tmp.path() / "cut.gz";
  write_bytes(file, bytes);
  expect_error([&] { read_idx(file); }, {file.string(), "corrupt gzip", "truncated"});
}

TEST(DataIdx, GarbageAfterGzipStream) {
  TempDir tmp;
  const fs::path file = tmp.path() / "tail.gz";
  write_gzip(file, idx_bytes({3}, {1, 2, 3}));
  Bytes bytes = read_file(file);
  bytes.insert(bytes.end(), {'j', 'u', 'n', 'k'});
  write_bytes(file, bytes);
  expect_error([&] { read_idx(file); }, {file.string(), "4 unexpected bytes"});
}

// ---------------------------------------------------------------- MNIST format

namespace {

// A tiny MNIST-format split: image i has every pixel equal to pixel_value(i), labels given.
void write_mnist_split(const fs::path& dir, const std::string& prefix, const Bytes& labels,
                       bool gzip, uint32_t side = 28) {
  const size_t n = labels.size();
  Bytes pixels(n * side * side);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < side * side; ++j)
      pixels[i * side * side + j] = static_cast<uint8_t>(i * 51);
  }
  pixels[0] = 255;  // one bright pixel in image 0 checks the top of the range
  const auto images = idx_bytes({static_cast<uint32_t>(n), side, side}, pixels);
  const auto label_file = idx_bytes({static_cast<uint32_t>(labels.size())}, labels);
  const std::string suffix = gzip ? ".gz" : "";
  auto write = gzip ? write_gzip : write_bytes;
  write(dir / (prefix + "-images-idx3-ubyte" + suffix), images);
  write(dir / (prefix + "-labels-idx1-ubyte" + suffix), label_file);
}

}  // namespace

// MNIST's own input: one channel, 28×28, normalised with (mean, std).
Preprocessing gray(float mean, float std) {
  Preprocessing p;
  p.mean = {mean};
  p.std = {std};
  p.channels = 1;
  return p;
}

TEST(DataMnist, LoadsShapesLabelsAndNormalisation) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {3, 1, 4, 1, 9}, /*gzip=*/false);
  const Dataset d = load_mnist_format(tmp.path(), Split::Train, gray(0.5f, 0.25f));
  EXPECT_EQ(d.size(), 5);
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(d.images.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
  EXPECT_EQ(d.images.scalar_type(), torch::kFloat);
  EXPECT_EQ(d.labels.scalar_type(), torch::kLong);
  EXPECT_EQ(std::vector<int64_t>(d.labels.data_ptr<int64_t>(), d.labels.data_ptr<int64_t>() + 5),
            (std::vector<int64_t>{3, 1, 4, 1, 9}));
  const auto img = d.images.accessor<float, 4>();
  EXPECT_NEAR(img[0][0][0][0], (1.0f - 0.5f) / 0.25f, 1e-5);    // 255 → 2
  EXPECT_NEAR(img[0][0][5][5], (0.0f - 0.5f) / 0.25f, 1e-5);    // 0 → -2
  EXPECT_NEAR(img[1][0][27][27], (0.2f - 0.5f) / 0.25f, 1e-5);  // 51 → -1.2
  EXPECT_NEAR(img[4][0][13][2], (0.8f - 0.5f) / 0.25f, 1e-5);   // 204 → 1.2
}

TEST(DataMnist, TestSplitFromGzipFiles) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "t10k", {0, 7}, /*gzip=*/true);
  write_mnist_split(tmp.path(), "train", {1, 2, 3}, /*gzip=*/false);
  const Dataset d = load_mnist_format(tmp.path(), Split::Test, gray(0.0f, 1.0f));
  EXPECT_EQ(d.size(), 2);
  EXPECT_EQ(d.labels[1].item<int64_t>(), 7);
  EXPECT_NEAR(d.images[1][0][3][3].item<float>(), 0.2f, 1e-6);
}

TEST(DataMnist, PlainFilePreferredOverGzip) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {5, 5, 5}, /*gzip=*/true);
  write_mnist_split(tmp.path(), "train", {6, 6}, /*gzip=*/false);
  const Dataset d = load_mnist_format(tmp.path(), Split::Train, gray(0.0f, 1.0f));
  EXPECT_EQ(d.size(), 2);
  EXPECT_EQ(d.labels[0].item<int64_t>(), 6);
}

TEST(DataMnist, MissingFileNamesExpectedPath) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {1}, false);
  fs::remove(tmp.path() / "train-labels-idx1-ubyte");
  expect_error([&] { load_mnist_format(tmp.path(), Split::Train, gray(0.0f, 1.0f)); },
               {(tmp.path() / "train-labels-idx1-ubyte").string(), "not found", ".gz"});
}

TEST(DataMnist, MismatchedCountsNameBothFiles) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {1, 2, 3}, false);
  write_bytes(tmp.path() / "train-labels-idx1-ubyte", idx_bytes({2}, {1, 2}));
  expect_error([&] { load_mnist_format(tmp.path(), Split::Train, gray(0.0f, 1.0f)); },
               {(tmp.path() / "train-images-idx3-ubyte").string(), "3 images",
                (tmp.path() / "train-labels-idx1-ubyte").string(), "2 labels"});
}

TEST(DataMnist, WrongImageSize) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {1, 2}, false, /*side=*/32);
  expect_error([&] { load_mnist_format(tmp.path(), Split::Train, gray(0.0f, 1.0f)); },
               {(tmp.path() / "train-images-idx3-ubyte").string(), "32×32", "expected 28×28"});
}

TEST(DataMnist, ImagesMustBeThreeDimensional) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {1}, false);
  write_bytes(tmp.path() / "train-images-idx3-ubyte", idx_bytes({784}, Bytes(784)));
  expect_error([&] { load_mnist_format(tmp.path(), Split::Train, gray(0.0f, 1.0f)); },
               {"train-images-idx3-ubyte", "expected 3 dimensions", "found 1"});
}

TEST(DataMnist, LabelsMustBeOneDimensional) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {1, 2}, false);
  write_bytes(tmp.path() / "train-labels-idx1-ubyte", idx_bytes({2, 1}, {1, 2}));
  expect_error([&] { load_mnist_format(tmp.path(), Split::Train, gray(0.0f, 1.0f)); },
               {"train-labels-idx1-ubyte", "expected 1 dimension", "found 2"});
}

TEST(DataMnist, LabelOutOfRange) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {1, 10, 2}, false);
  expect_error([&] { load_mnist_format(tmp.path(), Split::Train, gray(0.0f, 1.0f)); },
               {"train-labels-idx1-ubyte", "label 10 at index 1", "0..9"});
}

TEST(DataMnist, MissingFolder) {
  TempDir tmp;
  expect_error([&] { load_mnist_format(tmp.path() / "absent", Split::Train, gray(0.0f, 1.0f)); },
               {(tmp.path() / "absent").string(), "not found"});
}

TEST(DataMnist, PreprocessingOverloadLimitsAndReplicatesChannels) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {3, 1, 4, 1, 9}, false);
  Preprocessing p;
  p.resize = 56;
  p.channels = 3;
  p.mean = {0.0f, 0.5f, 1.0f};
  p.std = {1.0f, 0.5f, 1.0f};
  const Dataset d = load_mnist_format(tmp.path(), Split::Train, p, 2);
  EXPECT_EQ(d.images.sizes(), (std::vector<int64_t>{2, 3, 56, 56}));
  EXPECT_EQ(d.labels.sizes(), (std::vector<int64_t>{2}));
  // Image 1 is uniformly 51 = 0.2: resizing keeps it, channels differ only by normalisation.
  EXPECT_NEAR(d.images[1][0][30][30].item<float>(), 0.2f, 1e-5);
  EXPECT_NEAR(d.images[1][1][30][30].item<float>(), (0.2f - 0.5f) / 0.5f, 1e-5);
  EXPECT_NEAR(d.images[1][2][0][55].item<float>(), 0.2f - 1.0f, 1e-5);
}

TEST(DataMnist, HeadTakesFirstItems) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {3, 1, 4, 1, 9}, false);
  const Dataset d = load_mnist_format(tmp.path(), Split::Train, gray(0.0f, 1.0f));
  const Dataset h = d.head(3);
  EXPECT_EQ(h.size(), 3);
  EXPECT_EQ(h.images.size(0), 3);
  EXPECT_EQ(h.labels[2].item<int64_t>(), 4);
  EXPECT_NEAR(h.images[2][0][1][1].item<float>(), 0.4f, 1e-6);
  EXPECT_EQ(d.head(100).size(), 5);
  EXPECT_EQ(d.head(0).size(), 0);
  EXPECT_THROW(d.head(-1), Error);
  EXPECT_EQ(Dataset{}.head(4).size(), 0);
}

// ---------------------------------------------------------------- registry

TEST(DataRegistry, NamesAndNormalisation) {
  const auto names = dataset_names();
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0], "fashion-mnist");
  EXPECT_EQ(names[1], "mnist");
  const auto f = dataset_info("fashion-mnist").normalization;
  EXPECT_EQ(f.mean, std::vector<float>{0.2860f});
  EXPECT_EQ(f.std, std::vector<float>{0.3530f});
  const auto m = dataset_info("mnist").normalization;
  EXPECT_EQ(m.mean, std::vector<float>{0.1307f});
  EXPECT_EQ(m.std, std::vector<float>{0.3081f});
}

TEST(DataRegistry, UnknownNameListsKnownOnes) {
  expect_error([] { dataset_info("imagenette"); },
               {"unknown dataset 'imagenette'", "fashion-mnist, mnist, cifar10, folder"});
  expect_error([] { default_preprocessing("svhn"); }, {"svhn", "fashion-mnist, mnist"});
  expect_error([] { load_dataset({.name = "svhn", .data_dir = "/tmp"}, Split::Test); }, {"svhn"});
}

TEST(DataRegistry, DefaultFolders) {
  EXPECT_EQ(dataset_info("fashion-mnist").default_dir,
            fs::path("/usr/share/datasets/fashion-mnist"));
  EXPECT_EQ(dataset_info("mnist").default_dir, fs::path("data/mnist"));
}

TEST(DataRegistry, MissingFolderSaysHowToGetTheData) {
  TempDir tmp;
  const fs::path absent = tmp.path() / "none";
  expect_error([&] { load_dataset({.name = "fashion-mnist", .data_dir = absent}, Split::Test); },
               {absent.string(), "apt-get install dataset-fashion-mnist"});
  expect_error([&] { load_dataset({.name = "mnist", .data_dir = absent}, Split::Test); },
               {absent.string(), "torchvino download mnist"});
}

TEST(DataRegistry, ExplicitFolderWinsAndNormalisesByName) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "t10k", {2, 8}, true);
  const Dataset d = load_dataset({.name = "mnist", .data_dir = tmp.path()}, Split::Test);
  EXPECT_EQ(d.size(), 2);
  EXPECT_NEAR(d.images[1][0][9][9].item<float>(), (0.2f - 0.1307f) / 0.3081f, 1e-5);
  DatasetOptions limited{.name = "fashion-mnist", .data_dir = tmp.path()};
  limited.limit = 1;
  const Dataset one = load_dataset(limited, Split::Test);
  EXPECT_EQ(one.size(), 1);
  EXPECT_NEAR(one.images[0][0][9][9].item<float>(), (0.0f - 0.2860f) / 0.3530f, 1e-5);
}

// ---------------------------------------------------------------- download

TEST(DataDownload, MirrorsInOrder) {
  const auto m = mnist_mirrors();
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0], "https://ossci-datasets.s3.amazonaws.com/mnist/");
  EXPECT_EQ(m[1], "https://storage.googleapis.com/cvdf-datasets/mnist/");
  EXPECT_EQ(m[2], "http://yann.lecun.com/exdb/mnist/");
}

TEST(DataDownload, UnreachableMirrorsFailClearlyAndLeaveNothing) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "mnist";
  // Port 9 (discard) on loopback: refused at once, no network needed.
  const std::vector<std::string> mirrors = {"http://127.0.0.1:9/first/",
                                            "http://127.0.0.1:9/second/"};
  expect_error([&] { download_mnist(dir, mirrors); },
               {"train-images-idx3-ubyte.gz", dir.string(), "every mirror failed",
                "http://127.0.0.1:9/first/train-images-idx3-ubyte.gz",
                "http://127.0.0.1:9/second/train-images-idx3-ubyte.gz"});
  ASSERT_TRUE(fs::is_directory(dir));
  EXPECT_TRUE(fs::is_empty(dir)) << "a failed download must leave no partial files";
}

TEST(DataDownload, ExistingReadableFilesAreKept) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {1, 2}, true);
  write_mnist_split(tmp.path(), "t10k", {3}, false);
  const auto before = read_file(tmp.path() / "train-images-idx3-ubyte.gz");
  EXPECT_NO_THROW(download_mnist(tmp.path(), {"http://127.0.0.1:9/"}));
  EXPECT_EQ(read_file(tmp.path() / "train-images-idx3-ubyte.gz"), before);
}

TEST(DataDownload, CorruptExistingFileIsFetchedAgain) {
  TempDir tmp;
  write_mnist_split(tmp.path(), "train", {1, 2}, true);
  write_mnist_split(tmp.path(), "t10k", {3}, true);
  write_bytes(tmp.path() / "t10k-labels-idx1-ubyte.gz", {1, 2, 3});
  expect_error([&] { download_mnist(tmp.path(), {"http://127.0.0.1:9/"}); },
               {"t10k-labels-idx1-ubyte.gz", "http://127.0.0.1:9/t10k-labels-idx1-ubyte.gz"});
  // The failed attempt must not have replaced or removed what was there.
  EXPECT_EQ(read_file(tmp.path() / "t10k-labels-idx1-ubyte.gz"), (Bytes{1, 2, 3}));
}

TEST(DataDownload, NoMirrors) {
  TempDir tmp;
  expect_error([&] { download_mnist(tmp.path(), std::vector<std::string>{}); }, {"no mirrors"});
}

TEST(DataIdx, ADecompressionBombIsRefusedAtTheLimitNamingTheField) {
  TempDir tmp;
  const fs::path file = tmp.path() / "bomb-idx1-ubyte.gz";
  write_gzip(file, idx_bytes({3 << 20}, Bytes(3 << 20, 0)));  // 3 MB of zeros: a few KB compressed
  ASSERT_LT(fs::file_size(file), 64u * 1024);
  const InputLimits limits{.max_decompressed_bytes = 1 << 20};
  expect_error([&] { read_idx(file, limits); }, {file.string(), "more than max_input_mb = 1 MB"});
  try {
    read_idx(file, limits);
  } catch (const Error& e) {
    EXPECT_EQ(e.option(), "max_input_mb");
  }
  // The limit is the call's: another call in the same process reads the file with the default.
  EXPECT_EQ(read_idx(file).data.size(), size_t(3 << 20));
}

TEST(DataIdx, AFileJustUnderTheDecompressionLimitIsRead) {
  TempDir tmp;
  const fs::path file = tmp.path() / "fits.gz";
  write_gzip(file, idx_bytes({(1 << 20) - 16}, Bytes((1 << 20) - 16, 1)));
  EXPECT_EQ(read_idx(file, InputLimits{.max_decompressed_bytes = 1 << 20}).data.size(), size_t((1 << 20) - 16));
}

TEST(DataSubset, FirstItemsWithoutASeedADrawAcrossTheSplitWithOne) {
  EXPECT_EQ(Subset(3).indices(10), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(Subset().indices(3), (std::vector<int64_t>{0, 1, 2}));
  const auto a = Subset::drawn(30, 0).indices(100);
  EXPECT_EQ(a, Subset::drawn(30, 0).indices(100));  // seeded: the same draw every time
  EXPECT_NE(a, Subset::drawn(30, 1).indices(100));
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 30u);  // without replacement
  for (const int64_t i : a) EXPECT_TRUE(i >= 0 && i < 100) << i;
  // More than the split: every item once, shuffled.
  auto all = Subset::drawn(500, 3).indices(20);
  EXPECT_EQ(all.size(), 20u);
  EXPECT_NE(all, Subset(20).indices(20));
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, Subset(20).indices(20));
  EXPECT_THROW(Subset(-1).indices(5), Error);
}

// A split sorted by class, as image folders are: the first 30 items hold 3 classes, a draw of 30
// holds most of them, and each image keeps its own label.
TEST(DataSubset, ADrawFromASplitSortedByClassSpansTheClassesAndKeepsPairs) {
  TempDir tmp;
  Bytes labels;
  for (uint8_t c = 0; c < 10; ++c) labels.insert(labels.end(), 10, c);
  write_mnist_split(tmp.path(), "train", labels, false);
  const Dataset all = load_mnist_format(tmp.path(), Split::Train, gray(0.0f, 1.0f));
  const Dataset first = load_mnist_format(tmp.path(), Split::Train, gray(0.0f, 1.0f), 30);
  const Subset draw = Subset::drawn(30, 0);
  const Dataset drawn = load_mnist_format(tmp.path(), Split::Train, gray(0.0f, 1.0f), draw);
  auto classes = [](const Dataset& d) {
    std::set<int64_t> s;
    for (int64_t i = 0; i < d.size(); ++i) s.insert(d.labels[i].item<int64_t>());
    return s.size();
  };
  EXPECT_EQ(classes(first), 3u);
  EXPECT_GE(classes(drawn), 8u);
  ASSERT_EQ(drawn.size(), 30);
  const auto picked = draw.indices(100);
  for (int64_t k = 0; k < drawn.size(); ++k) {
    EXPECT_TRUE(drawn.images[k].equal(all.images[picked[static_cast<size_t>(k)]])) << k;
    EXPECT_EQ(drawn.labels[k].item<int64_t>(), all.labels[picked[static_cast<size_t>(k)]].item<int64_t>()) << k;
  }
}
