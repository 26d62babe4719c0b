// The three kinds of DataSource: in memory, raw pixels preprocessed on demand, image files decoded
// on demand.
#include <torch/torch.h>

#include "torchvino/data_source.hpp"
#include "torchvino/error.hpp"
#include "util/strings.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

std::vector<int64_t> shape_of(const torch::Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

class MemorySource final : public DataSource {
 public:
  explicit MemorySource(const Dataset& data) : images_(data.images) {
    labels = data.labels;
    num_classes = data.num_classes;
    class_names = data.class_names;
    if (images_.defined() && images_.dim() > 1) item_shape.assign(images_.sizes().begin() + 1, images_.sizes().end());
  }
  torch::Tensor item(int64_t i) const override { return images_[i]; }
  torch::Tensor items(int64_t start, int64_t count) const override {
    return images_.narrow(0, start, count).contiguous();
  }
  torch::Tensor gather(const torch::Tensor& indices) const override { return images_.index_select(0, indices); }
  bool decodes() const override { return false; }

 private:
  torch::Tensor images_;
};

class RawImageSource final : public DataSource {
 public:
  RawImageSource(torch::Tensor raw, const Preprocessing& p) : raw_(std::move(raw)), p_(p) {
    // An empty source has no first item to take the shape from.
    if (raw_.size(0) > 0) item_shape = shape_of(item(0));
  }
  torch::Tensor item(int64_t i) const override { return items(i, 1).squeeze(0); }
  // One preprocess_batch over the rows: the arithmetic of the in-memory path, row for row.
  torch::Tensor items(int64_t start, int64_t count) const override {
    return preprocess_batch(raw_.narrow(0, start, count), p_);
  }
  torch::Tensor gather(const torch::Tensor& indices) const override {
    return preprocess_batch(raw_.index_select(0, indices), p_);
  }

 private:
  torch::Tensor raw_;
  Preprocessing p_;
};

class ImageFileSource final : public DataSource {
 public:
  ImageFileSource(std::vector<fs::path> files, const Preprocessing& p, const InputLimits& limits)
      : files_(std::move(files)), p_(p), limits_(limits) {
    if (!files_.empty()) item_shape = shape_of(decode(0));
  }
  torch::Tensor item(int64_t i) const override {
    torch::Tensor x = decode(i);
    if (x.sizes() != c10::IntArrayRef(item_shape)) {
      throw Error(util::cat(files_[static_cast<size_t>(i)].string(), ": preprocessed to ", x.size(1), "×",
                            x.size(2), " but ", files_.front().string(), " to ", item_shape[1], "×", item_shape[2],
                            "; images of mixed sizes need a crop size or a square resize"));
    }
    return x;
  }

 private:
  torch::Tensor decode(int64_t i) const {
    const fs::path& file = files_[static_cast<size_t>(i)];
    try {
      return preprocess_image(decode_image(file, limits_), p_);
    } catch (const Error& e) {
      const std::string msg = e.what();
      // decode_image names the file already; preprocessing errors do not.
      if (msg.find(file.string()) != std::string::npos) throw;
      throw Error(util::cat(file.string(), ": ", msg), e.option());
    }
  }

  std::vector<fs::path> files_;
  Preprocessing p_;
  InputLimits limits_;
};

class ReorderedSource final : public DataSource {
 public:
  ReorderedSource(std::shared_ptr<const DataSource> base, torch::Tensor order)
      : base_(std::move(base)), order_(std::move(order)) {
    labels = base_->labels.index_select(0, order_);
    item_shape = base_->item_shape;
    num_classes = base_->num_classes;
    class_names = base_->class_names;
  }
  torch::Tensor item(int64_t i) const override { return base_->item(order_[i].item<int64_t>()); }
  torch::Tensor items(int64_t start, int64_t count) const override {
    return base_->gather(order_.narrow(0, start, count));
  }
  torch::Tensor gather(const torch::Tensor& indices) const override {
    return base_->gather(order_.index_select(0, indices));
  }
  bool decodes() const override { return base_->decodes(); }

 private:
  std::shared_ptr<const DataSource> base_;
  torch::Tensor order_;
};

}  // namespace

namespace {

// `count` items, the k-th being item(index(k)), as one batch.
template <class Index>
torch::Tensor assemble(const DataSource& source, int64_t count, Index index) {
  std::vector<int64_t> shape = {count};
  shape.insert(shape.end(), source.item_shape.begin(), source.item_shape.end());
  torch::Tensor out = torch::empty(shape, torch::kFloat);
  for (int64_t k = 0; k < count; ++k) out[k].copy_(source.item(index(k)));
  return out;
}

}  // namespace

torch::Tensor DataSource::gather(const torch::Tensor& indices) const {
  const auto index = indices.contiguous();
  const int64_t* at = index.data_ptr<int64_t>();
  return assemble(*this, index.size(0), [at](int64_t k) { return at[k]; });
}

std::shared_ptr<DataSource> reordered(std::shared_ptr<const DataSource> base, const torch::Tensor& order) {
  if (order.scalar_type() != torch::kLong || order.dim() != 1)
    throw Error("reordered: the order must be a 1-D int64 tensor of indices");
  return std::make_shared<ReorderedSource>(std::move(base), order.contiguous());
}

torch::Tensor DataSource::items(int64_t start, int64_t count) const {
  return assemble(*this, count, [start](int64_t k) { return start + k; });
}

std::shared_ptr<DataSource> memory_source(const Dataset& data) { return std::make_shared<MemorySource>(data); }

std::shared_ptr<DataSource> raw_image_source(torch::Tensor nchw_uint8, torch::Tensor labels,
                                                   const Preprocessing& p, int64_t num_classes,
                                                   std::vector<std::string> class_names) {
  if (nchw_uint8.size(0) != labels.size(0))
    throw Error(util::cat("raw_image_source: ", nchw_uint8.size(0), " images but ", labels.size(0), " labels"));
  if (p.resize == 0) {
    // Without a resize, preparing is a scale and a shift: done once, up front, the pixels kept as
    // float (4 bytes each: 31 MB for MNIST's test split), so that timed loops time the model.
    Dataset ready;
    ready.images = preprocess_batch(nchw_uint8, p);
    ready.labels = labels.to(torch::kLong);
    ready.num_classes = num_classes;
    ready.class_names = std::move(class_names);
    return memory_source(ready);
  }
  auto source = std::make_shared<RawImageSource>(std::move(nchw_uint8), p);
  source->labels = labels.to(torch::kLong);
  source->num_classes = num_classes;
  source->class_names = std::move(class_names);
  return source;
}

std::shared_ptr<DataSource> image_file_source(std::vector<fs::path> files, std::vector<int64_t> labels,
                                                    const Preprocessing& p, int64_t num_classes,
                                                    std::vector<std::string> class_names, const InputLimits& limits) {
  if (files.size() != labels.size())
    throw Error(util::cat("image_file_source: ", files.size(), " files but ", labels.size(), " labels"));
  auto source = std::make_shared<ImageFileSource>(std::move(files), p, limits);
  source->labels = torch::tensor(labels, torch::kLong);
  if (labels.empty()) source->labels = torch::empty({0}, torch::kLong);
  source->num_classes = num_classes;
  source->class_names = std::move(class_names);
  return source;
}

}  // namespace torchvino
