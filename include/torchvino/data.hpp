#pragma once
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "torchvino/image.hpp"
#include "torchvino/interpolation.hpp"
#include "torchvino/labels.hpp"

namespace torchvino {

enum class Split { Train, Test };

class DataSource;  // data_source.hpp: a dataset read on demand

// Images and labels held in memory, ready for a model: images float32 N×C×H×W, already
// normalised; labels int64 N.
struct Dataset {
  torch::Tensor images;
  torch::Tensor labels;
  int64_t num_classes = 10;
  // Index → name, when the source names its classes (CIFAR-10 meta file, image folders).
  std::vector<std::string> class_names = {};

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  // The first n items (or all, if n >= size()): calibration and test subsets.
  Dataset head(int64_t n) const;
};

// Which items of a split are loaded: all, the first `limit`, or `limit` items drawn across the
// whole split by a seeded shuffle. Calibration subsets are drawn: an image folder lists its files
// class by class, so its first items would show the quantizer only the first classes.
struct Subset {
  int64_t limit = 0;                                // 0: every item
  std::optional<uint64_t> shuffle_seed = std::nullopt;  // set: a seeded draw, not the first items

  Subset(int64_t first = 0) : limit(first) {}  // NOLINT: a plain count means the first items
  static Subset drawn(int64_t limit, uint64_t seed);
  // The indices of the chosen items of a split of `total`, in the order they are loaded (a draw's
  // order is random too, so that any head() of it is spread across the split as well).
  std::vector<int64_t> indices(int64_t total) const;
};

// Per-channel normalisation applied when a dataset is loaded: x = (pixel/255 - mean) / std.
struct Normalization {
  std::vector<float> mean;
  std::vector<float> std;
};

// How raw 8-bit images become model input, in the order torchvision's eval transforms use:
// resize, centre crop, scale to [0,1], normalise per channel. Resizing is Pillow's, on the 8-bit
// image (torchvision's Resize on a PIL image: bilinear, antialiased when shrinking, rounded to
// uint8), so that a model gets the pixels it got in PyTorch (src/data/resample.hpp).
struct Preprocessing {
  // 0: keep the size. Otherwise, with keep_aspect the shorter side becomes `resize` (the longer
  // one is scaled and truncated to an integer); without it the image is squashed to resize×resize.
  int64_t resize = 0;
  bool keep_aspect = true;
  Interpolation interpolation = Interpolation::Bilinear;
  // Shrinking widens the filter over every source pixel it covers (Pillow, torchvision's default).
  // Off: the filter keeps its size and samples (torch's antialias=False, OpenCV's cv2.resize).
  bool antialias = true;
  // 0: no crop. Otherwise the central crop×crop square; the image must be at least that large.
  int64_t crop = 0;
  // One value for every channel, or one per channel.
  std::vector<float> mean = {0.0f};
  std::vector<float> std = {1.0f};
  // Channels the model wants: 1 (3-channel input is converted to luma) or 3 (grayscale input is
  // replicated).
  int64_t channels = 3;

  // Resize shorter side to crop·256/224, then centre crop, ImageNet mean/std: the usual
  // evaluation recipe of ImageNet-trained models.
  static Preprocessing imagenet(int64_t crop = 224);
  // That recipe's geometry alone (shorter side to crop·256/224, then the central crop×crop),
  // keeping mean, std and channels: photo datasets and the CLI's imagenet preset use it too.
  Preprocessing& imagenet_geometry(int64_t crop);
};

// Mean and std of ImageNet, per RGB channel: what cifar10 and folder datasets are normalised with.
Normalization imagenet_normalization();

// Applies `p` to one uint8 image H×W×C (C = 1 or 3); returns float32 channels×H'×W'.
torch::Tensor preprocess_image(const torch::Tensor& hwc_uint8, const Preprocessing& p);
// Applies `p` to a uint8 batch N×C×H×W (C = 1 or 3); returns float32 N×channels×H'×W'.
torch::Tensor preprocess_batch(const torch::Tensor& nchw_uint8, const Preprocessing& p);

// The contents of one IDX file (the MNIST container format): its dimensions and raw bytes.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

// Reads an IDX file with unsigned-byte elements, plain or gzip-compressed (detected from the
// content, not the name). Throws Error naming the file on a wrong magic number, an unsupported
// element type, or data shorter or longer than the header says, and a .gz inflating to more than
// limits.max_decompressed_bytes.
IdxArray read_idx(const std::filesystem::path& file, const InputLimits& limits = {});

// Reads an MNIST-format folder: {train,t10k}-{images-idx3,labels-idx1}-ubyte, each optionally
// .gz. Checks images are 28×28 and that image and label counts match; `p` prepares them (e.g.
// 3×224×224 input for a zoo model); only the `subset`'s items are preprocessed, each when a
// stream asks for it (open_*), or all at once (load_*).
std::shared_ptr<DataSource> open_mnist_format(const std::filesystem::path& dir, Split split,
                                                    const Preprocessing& p, const Subset& subset = {},
                                                    const InputLimits& limits = {});
Dataset load_mnist_format(const std::filesystem::path& dir, Split split, const Preprocessing& p,
                          const Subset& subset = {}, const InputLimits& limits = {});

// Raw 8-bit images with labels, before preprocessing.
struct ImageBatch {
  torch::Tensor images;  // uint8 N×C×H×W
  torch::Tensor labels;  // int64 N
  std::vector<std::string> class_names;
};

// Reads the CIFAR-10 binary version: data_batch_1..5.bin (train) or test_batch.bin (test), each
// a sequence of records of one label byte and 3×32×32 channel-planar pixels. Class names come from
// batches.meta.txt when present. The batches are fixed-size and read as they are: `limits` has
// nothing to bound (it is there for the loader's place in the dataset table).
ImageBatch read_cifar10(const std::filesystem::path& dir, Split split);
std::shared_ptr<DataSource> open_cifar10(const std::filesystem::path& dir, Split split, const Preprocessing& p,
                                               const Subset& subset = {}, const InputLimits& limits = {});
Dataset load_cifar10(const std::filesystem::path& dir, Split split, const Preprocessing& p,
                     const Subset& subset = {}, const InputLimits& limits = {});

// A folder of images, one sub-folder per class: root/<class>/*.{jpg,jpeg,png} (nested folders
// inside a class folder are included; other files are ignored).
struct ImageFolder {
  std::vector<std::filesystem::path> files;  // sorted by class index, then by path
  std::vector<int64_t> labels;               // one per file
  std::vector<std::string> class_names;      // index → name
};

// The classes scan_image_folder(root) numbers by default: root/labels.txt's lines when present,
// else the sorted sub-folder names.
std::vector<std::string> image_folder_classes(const std::filesystem::path& root);
// Lists root's images. `classes` fixes the class order (e.g. a validation folder numbered like its
// training folder); empty: root/labels.txt when present, else the sorted sub-folder names. Every
// sub-folder must be one of the classes.
ImageFolder scan_image_folder(const std::filesystem::path& root,
                              const std::vector<std::string>& classes = {});
// A validation folder without class folders: the images of `root` (searched recursively) listed in
// a ground-truth file, one "file label" or "file,label" line each, as ImageNet's validation labels
// are distributed. A file is named by its path under root, its name, or its name without the
// extension; a label is a class name, or a class index when every label is a number (extra fields
// after the label, e.g. boxes, are ignored). Empty and '#' lines are skipped, and so is a first
// line naming no image (a CSV header). `classes` fixes the class order (the model's); empty: the
// sorted names in the file. Images not listed are not read. Errors name the file and line.
ImageFolder read_ground_truth(const std::filesystem::path& root, const std::filesystem::path& file,
                              const std::vector<std::string>& classes = {});

// The subset's images of a listed folder (scan_image_folder, read_ground_truth), decoded and
// preprocessed on demand.
std::shared_ptr<DataSource> open_image_files(ImageFolder folder, const Preprocessing& p, const Subset& subset = {},
                                             const InputLimits& limits = {});

// read_image() as a uint8 H×W×C tensor.
torch::Tensor decode_image(const std::filesystem::path& file, const InputLimits& limits = {});

// The images of scan_image_folder(root, classes), decoded and preprocessed on demand (open_*) or
// all at once (load_*); all must come out the same size (use crop, or resize without keep_aspect,
// for images of mixed sizes).
std::shared_ptr<DataSource> open_image_folder(const std::filesystem::path& root, const Preprocessing& p,
                                                    const Subset& subset = {},
                                                    const std::vector<std::string>& classes = {},
                                                    const InputLimits& limits = {});
Dataset load_image_folder(const std::filesystem::path& root, const Preprocessing& p,
                          const Subset& subset = {}, const std::vector<std::string>& classes = {},
                          const InputLimits& limits = {});

// A dataset folder split in two: dir/train/ for Split::Train, dir/val/ (or dir/test/) for
// Split::Test, each a folder of class folders as load_image_folder reads them. Both splits number
// classes alike: dir/labels.txt when present, else the training folder's classes.
std::shared_ptr<DataSource> open_folder_dataset(const std::filesystem::path& dir, Split split,
                                                      const Preprocessing& p, const Subset& subset,
                                                      const InputLimits& limits = {});
Dataset load_folder_dataset(const std::filesystem::path& dir, Split split, const Preprocessing& p,
                            const Subset& subset, const InputLimits& limits = {});

// Options shared by every caller that reads a dataset by name.
struct DatasetOptions {
  std::string name = "fashion-mnist";  // one of dataset_names()
  std::filesystem::path data_dir;      // empty: the dataset's default folder
  // Unset: the dataset's own input (28×28×1 for MNIST, 32×32×3 for CIFAR-10, 224×224×3 cropped
  // from 256 for folders) with its normalisation. Set: e.g. a zoo model's input recipe.
  std::optional<Preprocessing> preprocessing = std::nullopt;
  int64_t limit = 0;  // > 0: only the first `limit` items are loaded
  // Set: the `limit` items are drawn across the split with this seed instead (Subset::drawn).
  std::optional<uint64_t> shuffle_seed = std::nullopt;
  InputLimits limits = {};  // what the dataset's files may make the reader allocate
  int threads = 0;          // load_dataset's decoding threads; 0: one per core
  // The folder dataset's split as a flat folder of images with this ground-truth file
  // (read_ground_truth): dir/val/ (or dir/test/, dir/train/ for training), or dir itself.
  std::filesystem::path ground_truth = {};
  // The model's classes, in its output order: labels are renumbered to them by name (a
  // 1000-class model evaluated in its own label order on folders named by class). Every class
  // of the data must be among them.
  std::vector<std::string> classes = {};
};

// How a dataset's images are brought to a model input size other than their own.
enum class Resize {
  Squash,      // resize to size×size, aspect ratio ignored: fixed-size sources (MNIST, CIFAR)
  CentreCrop,  // shorter side to size·256/224, then centre crop: photos of any size and shape
};

// What torchvino knows about a dataset it can load by name.
struct DatasetInfo {
  std::string name;
  int64_t channels;    // of the dataset's own input: 1 (grayscale) or 3
  int64_t image_size;  // side of the dataset's own (square) input
  int64_t num_classes;  // 0: as many as the data has (class folders)
  Normalization normalization;
  std::filesystem::path default_dir;  // empty: none, the folder must be given
  // What to tell a user whose data folder is missing; "{dir}" stands for that folder.
  std::string how_to_get;
  Resize resize;
  std::shared_ptr<DataSource> (*open)(const std::filesystem::path& dir, Split split, const Preprocessing& p,
                                            const Subset& subset, const InputLimits& limits);
  // Class names when the files carry none (IDX files hold only numbers).
  std::vector<std::string> labels = {};
  // Fetches the dataset's files into a folder (`torchvino download`); null: not downloadable.
  void (*download)(const std::filesystem::path& dir) = nullptr;
};

// Datasets torchvino knows by name, in table order.
std::vector<std::string> dataset_names();
// Those of them that have a download function.
std::vector<std::string> downloadable_dataset_names();
// Throws Error for a name not in dataset_names(), listing the known ones.
const DatasetInfo& dataset_info(const std::string& name);
// The preprocessing that turns the dataset's images into channels×image_size×image_size model
// input, normalised as the dataset is. At the dataset's own channels and size it is the dataset's
// default preprocessing.
Preprocessing preprocessing_for_input(const DatasetInfo& dataset, int64_t channels,
                                      int64_t image_size);
// The preprocessing used when DatasetOptions::preprocessing is unset.
Preprocessing default_preprocessing(const std::string& name);
// Every selected item in memory: open_dataset() (data_source.hpp) made whole, decoded by
// options.threads threads. For what must be in memory (training, calibration subsets); evaluation
// streams instead.
Dataset load_dataset(const DatasetOptions& options, Split split);

// The mirrors download_mnist tries, in order.
std::vector<std::string> mnist_mirrors();
// Downloads the four MNIST files into dir from the usual mirrors, trying each in turn. Throws
// Error with every mirror's failure when none answers (e.g. offline). Files already present and
// readable are kept.
void download_mnist(const std::filesystem::path& dir);
// The same from the given base URLs (each ending in '/').
void download_mnist(const std::filesystem::path& dir, const std::vector<std::string>& mirrors);

}  // namespace torchvino
