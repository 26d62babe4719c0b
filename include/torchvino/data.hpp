#pragma once
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace torchvino {

enum class Split { Train, Test };

// Images and labels held in memory, ready for a model: images float32 N×C×H×W, already
// normalised; labels int64 N.
struct Dataset {
  torch::Tensor images;
  torch::Tensor labels;
  int64_t num_classes = 10;

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  // The first n items (or all, if n >= size()): calibration and test subsets.
  Dataset head(int64_t n) const;
};

// Per-channel normalisation applied when a dataset is loaded: x = (pixel/255 - mean) / std.
struct Normalization {
  std::vector<float> mean;
  std::vector<float> std;
};

// The contents of one IDX file (the MNIST container format): its dimensions and raw bytes.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

// Reads an IDX file with unsigned-byte elements, plain or gzip-compressed (detected from the
// content, not the name). Throws Error naming the file on a wrong magic number, an unsupported
// element type, or data shorter or longer than the header says.
IdxArray read_idx(const std::filesystem::path& file);

// Reads an MNIST-format folder: {train,t10k}-{images-idx3,labels-idx1}-ubyte, each optionally
// .gz. Checks images are 28×28 and that image and label counts match.
Dataset load_mnist_format(const std::filesystem::path& dir, Split split, const Normalization& norm);

// Options shared by every command that reads data (`--dataset`, `--data-dir`).
struct DatasetOptions {
  std::string name = "fashion-mnist";  // fashion-mnist | mnist
  std::filesystem::path data_dir;      // empty: the dataset's default folder
};

// Datasets torchvino knows by name.
std::vector<std::string> dataset_names();
// The normalisation the named dataset is trained and evaluated with.
Normalization dataset_normalization(const std::string& name);
// Where the named dataset is looked for when --data-dir is not given.
std::filesystem::path default_data_dir(const std::string& name);
Dataset load_dataset(const DatasetOptions& options, Split split);

// Downloads the four MNIST files into dir from the usual mirrors, trying each in turn. Throws
// Error with every mirror's failure when none answers (e.g. offline). Files already present and
// readable are kept.
void download_mnist(const std::filesystem::path& dir);

}  // namespace torchvino
