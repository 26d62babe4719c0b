#include "util/serial_libtorch.hpp"
#include <torch/torch.h>

#include <algorithm>

#include "torchvino/data_source.hpp"
#include "torchvino/error.hpp"
#include "util/strings.hpp"
#include "util/worker_threads.hpp"

namespace torchvino {

BatchStream::BatchStream(std::shared_ptr<const DataSource> source, const StreamOptions& options)
    : source_(std::move(source)), batch_size_(options.batch_size) {
  if (!source_) throw Error("BatchStream: no source");
  if (batch_size_ < 1) throw Error(util::cat("batch size must be at least 1, got ", batch_size_), "batch_size");
  if (options.limit < 0) throw Error(util::cat("limit must not be negative, got ", options.limit), "limit");
  if (options.threads < 0) throw Error(util::cat("threads must not be negative, got ", options.threads), "threads");
  items_ = options.limit > 0 ? std::min(options.limit, source_->size()) : source_->size();
  batches_ = (items_ + batch_size_ - 1) / batch_size_;
  const int threads = source_->decodes() ? util::worker_threads(options.threads) : 0;
  ahead_ = options.ahead > 0 ? options.ahead : std::max<int64_t>(2, 2 * threads);
  // No more workers than batches: a worker takes a whole batch.
  const int64_t workers = std::min<int64_t>(threads, batches_);
  for (int64_t w = 0; w < workers; ++w) workers_.emplace_back([this] { work(); });
}

BatchStream::~BatchStream() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& t : workers_) t.join();
}

Batch BatchStream::make(int64_t index) const {
  Batch b;
  b.index = index;
  b.first = index * batch_size_;
  const int64_t count = std::min(batch_size_, items_ - b.first);
  b.images = source_->items(b.first, count);
  b.labels = source_->labels.narrow(0, b.first, count);
  return b;
}

void BatchStream::work() {
  // LibTorch's OpenMP pool is for the thread that runs a model: a worker entering it would start a
  // team of its own per worker, all spinning on the same cores.
  util::SerialLibTorch serial;
  for (;;) {
    int64_t index = 0;
    {
      std::unique_lock lock(mutex_);
      // Sleep while the window of batches ahead of the consumer is full.
      changed_.wait(lock, [&] { return stopping_ || failure_ || claimed_ >= batches_ || claimed_ < taken_ + ahead_; });
      if (stopping_ || failure_ || claimed_ >= batches_) return;
      index = claimed_++;
    }
    try {
      Batch b = make(index);
      std::lock_guard lock(mutex_);
      ready_.emplace(index, std::move(b));
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!failure_) failure_ = std::current_exception();
    }
    changed_.notify_all();
  }
}

std::optional<Batch> BatchStream::next() {
  if (taken_ >= batches_) return std::nullopt;
  if (workers_.empty()) return make(taken_++);  // nothing to decode: read on this thread
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || ready_.count(taken_) > 0; });
  // A failure ends the run at once: it cannot complete, and nobody should wait for the rest.
  if (failure_) std::rethrow_exception(failure_);
  auto node = ready_.extract(taken_);
  ++taken_;
  lock.unlock();
  changed_.notify_all();
  return std::move(node.mapped());
}

Dataset materialize(const std::shared_ptr<const DataSource>& source, int threads) {
  Dataset out;
  out.labels = source->labels;
  out.num_classes = source->num_classes;
  out.class_names = source->class_names;
  const int64_t n = source->size();
  std::vector<int64_t> shape = {n};
  shape.insert(shape.end(), source->item_shape.begin(), source->item_shape.end());
  if (n == 0) {
    out.images = torch::empty(shape, torch::kFloat);
    return out;
  }
  if (!source->decodes()) {
    out.images = source->items(0, n);
    return out;
  }
  out.images = torch::empty(shape, torch::kFloat);
  // Batches of 64 spread the decoding over the threads; each is copied in as it arrives.
  BatchStream stream(source, {.batch_size = 64, .threads = threads});
  while (auto b = stream.next()) out.images.narrow(0, b->first, b->images.size(0)).copy_(b->images);
  return out;
}

}  // namespace torchvino
