// Datasets read as streams (data_source.hpp): the same batches and the same logits as the
// in-memory path, bounded read-ahead, decoding threads that stay out of LibTorch's thread pool,
// and the validation layouts (ground-truth files, the model's own class order).
#include <ATen/Parallel.h>
#include <openvino/op/ops.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "data_images_support.hpp"
#include "torchvino/data_source.hpp"
#include "torchvino/runtime.hpp"

// libgomp's, which LibTorch's kernels use (linked through torch_cpu_only).
extern "C" int omp_get_max_threads(void);

namespace {

// Seven images of three sizes in three classes: resize + crop makes them one size.
void write_mixed_folder(const fs::path& root) {
  const std::vector<std::pair<std::string, std::pair<int, int>>> files = {
      {"cat/a.png", {9, 7}}, {"cat/b.png", {12, 8}}, {"dog/c.png", {8, 8}}, {"dog/d.png", {10, 14}},
      {"eel/e.png", {7, 9}}, {"eel/f.png", {16, 11}}, {"eel/g.png", {9, 9}}};
  int seed = 0;
  for (const auto& [name, size] : files) {
    ++seed;
    write_png(root / name, size.first, size.second, 3,
              [seed](int y, int x, int c) { return static_cast<uint8_t>((seed * 37 + y * 11 + x * 5 + c * 70) % 256); });
  }
}

Preprocessing resize_and_crop() {
  Preprocessing p;
  p.resize = 7;
  p.crop = 6;
  p.mean = {0.4f, 0.5f, 0.6f};
  p.std = {0.2f, 0.25f, 0.3f};
  return p;
}

torch::Tensor concat(BatchStream& stream, torch::Tensor* labels = nullptr) {
  std::vector<torch::Tensor> images, classes;
  int64_t expected_first = 0;
  while (auto b = stream.next()) {
    EXPECT_EQ(b->first, expected_first);  // in order
    expected_first += b->images.size(0);
    images.push_back(b->images);
    classes.push_back(b->labels);
  }
  if (labels) *labels = torch::cat(classes);
  return torch::cat(images);
}

// y = x · W for flattened C×H×W inputs.
std::shared_ptr<ov::Model> linear_model(int64_t c, int64_t h, int64_t w, int64_t classes, uint64_t seed) {
  torch::manual_seed(seed);
  const auto weight = torch::randn({c * h * w, classes}).contiguous();
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, c, h, w});
  auto shape = ov::op::v0::Constant::create(ov::element::i64, {2}, {int64_t{0}, c * h * w});
  auto flat = std::make_shared<ov::op::v1::Reshape>(x, shape, true);
  auto wc = ov::op::v0::Constant::create(ov::element::f32, ov::Shape{size_t(c * h * w), size_t(classes)},
                                         std::vector<float>(weight.data_ptr<float>(), weight.data_ptr<float>() + weight.numel()));
  auto y = std::make_shared<ov::op::v0::MatMul>(flat, wc);
  return std::make_shared<ov::Model>(ov::OutputVector{y}, ov::ParameterVector{x});
}

}  // namespace

TEST(DataStream, FolderBatchesEqualTheImagesDecodedOneByOne) {
  TempDir tmp;
  write_mixed_folder(tmp.path());
  const Preprocessing p = resize_and_crop();
  // The reference: each file decoded and preprocessed on its own, in the folder's order.
  const ImageFolder folder = scan_image_folder(tmp.path());
  std::vector<torch::Tensor> rows;
  for (const auto& f : folder.files) rows.push_back(preprocess_image(decode_image(f), p));
  const auto expected = torch::stack(rows);

  for (int threads : {1, 2, 3}) {
    BatchStream stream(open_image_folder(tmp.path(), p), {.batch_size = 3, .threads = threads});
    EXPECT_EQ(stream.batches(), 3);
    torch::Tensor labels;
    const auto images = concat(stream, &labels);
    EXPECT_TRUE(torch::equal(images, expected)) << threads << " threads";
    EXPECT_TRUE(torch::equal(labels, torch::tensor(folder.labels, torch::kLong)));
  }
  EXPECT_TRUE(torch::equal(load_image_folder(tmp.path(), p).images, expected));
}

TEST(DataStream, StreamedAndInMemoryEvaluationGiveBitIdenticalLogits) {
  TempDir tmp;
  write_mixed_folder(tmp.path());
  const Preprocessing p = resize_and_crop();
  const Dataset in_memory = load_image_folder(tmp.path(), p);
  auto backend = make_openvino_backend(linear_model(3, 6, 6, 3, 5), RuntimeContext{}, 2);
  EvalOptions eval;
  eval.batch_size = 2;
  eval.threads = 2;
  const EvalResult streamed = evaluate(*backend, open_image_folder(tmp.path(), p), eval);
  const EvalResult held = evaluate(*backend, in_memory, eval);
  EXPECT_TRUE(torch::equal(streamed.logits, held.logits));
  EXPECT_EQ(streamed.accuracy, held.accuracy);
  EXPECT_EQ(streamed.images, 7);
  eval.keep_logits = false;
  EXPECT_FALSE(evaluate(*backend, open_image_folder(tmp.path(), p), eval).logits.defined());
}

TEST(DataStream, IdxStreamGivesTheLogitsOfTheWholeSplitPreprocessedAtOnce) {
  const fs::path dir = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(dir / "t10k-images-idx3-ubyte") && !fs::exists(dir / "t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << dir << " missing (apt-get install dataset-fashion-mnist)";
  // 3×40×40 input (a zoo model's recipe on a grayscale dataset): resized per batch by the workers.
  const Preprocessing p = preprocessing_for_input(dataset_info("fashion-mnist"), 3, 40);
  const int64_t n = 500;
  IdxArray raw = read_idx(fs::exists(dir / "t10k-images-idx3-ubyte") ? dir / "t10k-images-idx3-ubyte"
                                                                     : dir / "t10k-images-idx3-ubyte.gz");
  const auto pixels = torch::from_blob(raw.data.data(), {raw.dims[0], 1, 28, 28}, torch::kUInt8).narrow(0, 0, n);
  Dataset whole = load_mnist_format(dir, Split::Test, p, Subset(n));
  whole.images = preprocess_batch(pixels, p);  // the pre-streaming path: every image at once

  auto backend = make_openvino_backend(linear_model(3, 40, 40, 10, 6), RuntimeContext{}, 2);
  EvalOptions eval;
  eval.batch_size = 64;
  eval.threads = 2;
  DatasetOptions options{.name = "fashion-mnist", .data_dir = {}, .preprocessing = p, .limit = n};
  const auto source = open_dataset(options, Split::Test);
  EXPECT_TRUE(source->decodes());
  const EvalResult streamed = evaluate(*backend, source, eval);
  const EvalResult held = evaluate(*backend, whole, eval);
  EXPECT_TRUE(torch::equal(streamed.logits, held.logits));
  EXPECT_DOUBLE_EQ(streamed.accuracy, held.accuracy);
  EXPECT_NEAR(streamed.loss, held.loss, 1e-12);
}

namespace {

// Items made on demand that record which thread made them, whether LibTorch's parallel kernels
// would run there on that thread alone, and how far ahead of the consumer the workers got.
class ProbeSource final : public DataSource {
 public:
  explicit ProbeSource(int64_t n) {
    labels = torch::zeros({n}, torch::kLong);
    item_shape = {1, 2, 2};
  }
  torch::Tensor item(int64_t i) const override {
    {
      std::lock_guard lock(mutex_);
      // The OpenMP team size LibTorch's kernels (compiled with OpenMP) open on this thread.
      all_serial_ = all_serial_ && omp_get_max_threads() == 1;
      threads_.insert(std::this_thread::get_id());
      furthest_ = std::max(furthest_, i);
    }
    return torch::full({1, 2, 2}, static_cast<float>(i));
  }
  mutable std::mutex mutex_;
  mutable std::set<std::thread::id> threads_;
  mutable bool all_serial_ = true;
  mutable int64_t furthest_ = -1;
};

}  // namespace

TEST(DataStream, WorkersStayOutOfLibTorchsPoolAndReadOnlyABoundedWindowAhead) {
  auto probe = std::make_shared<ProbeSource>(100);
  BatchStream stream(probe, {.batch_size = 2, .threads = 2, .ahead = 3});
  auto first = stream.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->images[1].max().item<float>(), 1.0f);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // time to run ahead, if they could
  {
    std::lock_guard lock(probe->mutex_);
    // One batch taken: workers may hold batches 1..3 (ahead 3), never batch 4 (items 8, 9).
    EXPECT_LT(probe->furthest_, 8);
    EXPECT_GE(probe->furthest_, 3);
    EXPECT_TRUE(probe->all_serial_);
    EXPECT_EQ(probe->threads_.count(std::this_thread::get_id()), 0u);
  }
  int64_t batches = 1;
  while (auto b = stream.next()) {
    EXPECT_EQ(b->images[0].max().item<float>(), static_cast<float>(b->first));
    ++batches;
  }
  EXPECT_EQ(batches, 50);
  // The control: this thread's team is as LibTorch set it.
  if (at::get_num_threads() > 1) {
    EXPECT_EQ(omp_get_max_threads(), at::get_num_threads());
  }
}

TEST(DataStream, AnUnreadableImageStopsTheStreamNamingTheFile) {
  TempDir tmp;
  write_mixed_folder(tmp.path());
  write_text(tmp.path() / "eel" / "h.png", "not a png");
  BatchStream stream(open_image_folder(tmp.path(), resize_and_crop()), {.batch_size = 2, .threads = 2});
  expect_error([&] { while (stream.next()) {} }, {(tmp.path() / "eel" / "h.png").string()});
}

TEST(DataStream, MixedSizesWithoutACropFailNamingBothFiles) {
  TempDir tmp;
  write_mixed_folder(tmp.path());
  Preprocessing p;  // no resize, no crop
  BatchStream stream(open_image_folder(tmp.path(), p), {.batch_size = 3, .threads = 2});
  expect_error([&] { while (stream.next()) {} }, {"cat/a.png", "mixed sizes"});
}

// ---------------------------------------------------------------- ground-truth files

TEST(DataGroundTruth, ReadsNamesStemsHeadersAndBothSeparators) {
  TempDir tmp;
  const fs::path root = tmp.path() / "val";
  write_png(root / "x1.JPEG.png", 4, 4, 3, [](int, int, int) { return 1; });
  write_png(root / "sub" / "x2.png", 4, 4, 3, [](int, int, int) { return 2; });
  write_png(root / "x3.png", 4, 4, 3, [](int, int, int) { return 3; });
  write_png(root / "unlisted.png", 4, 4, 3, [](int, int, int) { return 4; });
  write_text(tmp.path() / "gt.csv", "ImageId,PredictionString\nx3,n02 10 20 30 40\n# comment\n\nsub/x2.png,n01\nx1.JPEG,n02\n");
  const ImageFolder f = read_ground_truth(root, tmp.path() / "gt.csv");
  EXPECT_EQ(f.class_names, (std::vector<std::string>{"n01", "n02"}));
  ASSERT_EQ(f.files.size(), 3u);
  EXPECT_EQ(f.files[0].filename(), "x3.png");
  EXPECT_EQ(f.labels, (std::vector<int64_t>{1, 0, 1}));

  write_text(tmp.path() / "gt.txt", "x3.png 7\nx2 0\n");
  const ImageFolder numbered = read_ground_truth(root, tmp.path() / "gt.txt");
  EXPECT_EQ(numbered.labels, (std::vector<int64_t>{7, 0}));
  EXPECT_EQ(numbered.class_names.size(), 8u);
  // The model's classes fix the numbering.
  const ImageFolder ordered = read_ground_truth(root, tmp.path() / "gt.csv", {"n09", "n02", "n01"});
  EXPECT_EQ(ordered.labels, (std::vector<int64_t>{1, 2, 1}));
}

TEST(DataGroundTruth, BadLinesAreNamedByFileAndLine) {
  TempDir tmp;
  const fs::path root = tmp.path() / "val";
  write_png(root / "a.png", 4, 4, 3, [](int, int, int) { return 1; });
  const fs::path gt = tmp.path() / "gt.txt";
  write_text(gt, "a.png cat\nb.png dog\n");
  expect_error([&] { read_ground_truth(root, gt); }, {gt.string() + ":2", "no image 'b.png'"});
  write_text(gt, "a.png cat\na.png cat\n");
  expect_error([&] { read_ground_truth(root, gt); }, {gt.string() + ":2", "listed twice"});
  write_text(gt, "a.png\n");
  expect_error([&] { read_ground_truth(root, gt); }, {gt.string() + ":1", "no label"});
  write_text(gt, "a.png 3\n");
  expect_error([&] { read_ground_truth(root, gt, {"x", "y"}); }, {gt.string() + ":1", "label 3", "only 2 classes"});
  write_text(gt, "a.png cat\n");
  expect_error([&] { read_ground_truth(root, gt, {"x", "y"}); }, {gt.string() + ":1", "'cat' is not one of the 2"});
  expect_error([&] { read_ground_truth(root, tmp.path() / "none.txt"); }, {"none.txt", "not found"});
}

TEST(DataGroundTruth, OpenDatasetReadsAFlatValidationFolderInTheModelsOrder) {
  TempDir tmp;
  write_png(tmp.path() / "val" / "1.png", 8, 8, 3, [](int, int, int) { return 10; });
  write_png(tmp.path() / "val" / "2.png", 8, 8, 3, [](int, int, int) { return 20; });
  write_text(tmp.path() / "gt.txt", "1.png dog\n2.png cat\n");
  DatasetOptions o{.name = "folder", .data_dir = tmp.path()};
  o.ground_truth = tmp.path() / "gt.txt";
  const auto sorted = open_dataset(o, Split::Test);
  EXPECT_TRUE(torch::equal(sorted->labels, torch::tensor({1, 0}, torch::kLong)));
  o.classes = {"bird", "dog", "cat"};
  const auto ordered = open_dataset(o, Split::Test);
  EXPECT_TRUE(torch::equal(ordered->labels, torch::tensor({1, 2}, torch::kLong)));
  EXPECT_EQ(ordered->num_classes, 3);
  DatasetOptions idx{.name = "mnist", .data_dir = tmp.path()};
  idx.ground_truth = o.ground_truth;
  expect_error([&] { open_dataset(idx, Split::Test); }, {"ground-truth file is for image folders"});
}

TEST(DataGroundTruth, ClassFoldersAreRenumberedToTheModelsLabels) {
  TempDir tmp;
  write_png(tmp.path() / "val" / "cat" / "1.png", 8, 8, 3, [](int, int, int) { return 10; });
  write_png(tmp.path() / "val" / "dog" / "2.png", 8, 8, 3, [](int, int, int) { return 20; });
  DatasetOptions o{.name = "folder", .data_dir = tmp.path()};
  o.classes = {"ant", "dog", "bee", "cat"};
  const auto source = open_dataset(o, Split::Test);
  EXPECT_TRUE(torch::equal(source->labels, torch::tensor({3, 1}, torch::kLong)));
  o.classes = {"ant", "dog"};
  try {
    open_dataset(o, Split::Test);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not among the model's 2 labels: cat"), std::string::npos) << e.what();
    EXPECT_EQ(e.option(), "labels");
  }
}
