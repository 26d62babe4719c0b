#pragma once
// Datasets read on demand. A DataSource knows its items' labels up front and makes an item's model
// input only when asked (decoding a file, preprocessing raw pixels); a BatchStream reads one in
// batches, in order, with a pool of threads preparing the next batches while the current one is
// used. Memory then depends on the batch size and how far ahead the stream reads, never on the
// number of images: a 50,000-image validation folder is evaluated in the room of a few batches.
#include <torch/types.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "torchvino/data.hpp"

namespace torchvino {

class DataSource {
 public:
  virtual ~DataSource() = default;

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  // Item i's model input, float32 C×H×W (item_shape()). Called concurrently by a stream's threads.
  // Errors name the file the item comes from.
  virtual torch::Tensor item(int64_t i) const = 0;
  // Items [start, start + count) as one N×C×H×W batch. The default assembles item() rows; sources
  // holding their items in memory return a view.
  virtual torch::Tensor items(int64_t start, int64_t count) const;
  // The items at `indices` (int64) as one batch, in that order. The default assembles item() rows.
  virtual torch::Tensor gather(const torch::Tensor& indices) const;
  // Whether preparing an item costs enough (decoding, resizing) to spread over threads.
  virtual bool decodes() const { return true; }
  // C×H×W of every item: a source whose items come out otherwise (images of mixed sizes without a
  // crop) fails, naming the file, rather than feeding a model mixed shapes.
  std::vector<int64_t> item_shape;

  torch::Tensor labels;  // int64 N
  int64_t num_classes = 10;
  std::vector<std::string> class_names = {};  // index → name, when the source names its classes
};

// A dataset already in memory, as a source (its tensors are shared, not copied).
std::shared_ptr<DataSource> memory_source(const Dataset& data);

// Preprocesses raw 8-bit images (uint8 N×C×H×W, C = 1 or 3) on demand: the IDX and CIFAR-10
// loaders keep their few megabytes of pixels and make e.g. 3×224×224 input only when asked.
// Without a resize (p.resize == 0) the items are cheap to make: they are made at once and held.
std::shared_ptr<DataSource> raw_image_source(torch::Tensor nchw_uint8, torch::Tensor labels,
                                                   const Preprocessing& p, int64_t num_classes,
                                                   std::vector<std::string> class_names = {});

// Image files decoded (JPEG, PNG) and preprocessed on demand; `labels` one per file. Reads the
// first file at once: its shape is every item's, and a folder of unreadable files fails here.
std::shared_ptr<DataSource> image_file_source(std::vector<std::filesystem::path> files,
                                                    std::vector<int64_t> labels, const Preprocessing& p,
                                                    int64_t num_classes, std::vector<std::string> class_names,
                                                    const InputLimits& limits = {});

// `base`'s items in the order `order` (int64 indices into base) gives: a training epoch's shuffle,
// read as a stream.
std::shared_ptr<DataSource> reordered(std::shared_ptr<const DataSource> base, const torch::Tensor& order);

// Opens a dataset by name: lists its files or reads its raw pixels and labels, decodes nothing else.
std::shared_ptr<const DataSource> open_dataset(const DatasetOptions& options, Split split);

struct StreamOptions {
  int64_t batch_size = 96;
  int64_t limit = 0;  // > 0: only the first `limit` items
  // Threads preparing batches; 0: one per core. Sources that do not decode are read on the
  // calling thread.
  int threads = 0;
  // Batches prepared ahead of the one being used; 0: twice the threads. Memory is about
  // (ahead + threads) batches.
  int64_t ahead = 0;
};

struct Batch {
  int64_t index = 0;   // 0, 1, ...
  int64_t first = 0;   // the source's index of its first item
  torch::Tensor images;  // float32 N×C×H×W
  torch::Tensor labels;  // int64 N
};

// Reads a source in batches, in order. Worker threads take whole batches (one thread decodes one
// batch, so a batch is assembled without locks); a batch waits in a bounded window until it is
// taken, so workers sleep (not spin) when they are ahead. LibTorch's own thread pool is never
// entered from them: each worker runs its tensor operations serially.
class BatchStream {
 public:
  BatchStream(std::shared_ptr<const DataSource> source, const StreamOptions& options);
  ~BatchStream();  // stops and joins the workers
  BatchStream(const BatchStream&) = delete;
  BatchStream& operator=(const BatchStream&) = delete;

  int64_t items() const { return items_; }
  int64_t batches() const { return batches_; }
  const DataSource& source() const { return *source_; }
  // The next batch, or nothing after the last. Rethrows the first item's failure (naming its file).
  std::optional<Batch> next();

 private:
  void work();
  Batch make(int64_t index) const;

  std::shared_ptr<const DataSource> source_;
  int64_t batch_size_, items_, batches_, ahead_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<int64_t, Batch> ready_;
  int64_t claimed_ = 0;   // batches handed to a worker
  int64_t taken_ = 0;     // batches returned by next()
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> workers_;
};

// Every item of a source in one in-memory Dataset (training sets, calibration subsets), prepared
// by `threads` threads as a stream would.
Dataset materialize(const std::shared_ptr<const DataSource>& source, int threads = 0);

}  // namespace torchvino
