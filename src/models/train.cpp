#include "torchvino/train.hpp"

#include <limits>
#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>

#include "torchvino/data_source.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace {

double test_accuracy(Model& model, const std::shared_ptr<const DataSource>& data, int64_t batch_size, int threads) {
  torch::NoGradGuard no_grad;
  model.module().eval();
  int64_t correct = 0;
  BatchStream stream(data, {.batch_size = batch_size, .threads = threads});
  while (auto b = stream.next()) correct += model.forward(b->images).argmax(1).eq(b->labels).sum().item<int64_t>();
  return data->size() ? double(correct) / double(data->size()) : 0.0;
}

}  // namespace

ModelMetadata training_metadata(const DatasetOptions& data, const Dataset& train_set) {
  return training_metadata(data, train_set.class_names);
}

ModelMetadata training_metadata(const DatasetOptions& data, const std::vector<std::string>& class_names) {
  ModelMetadata m;
  m.dataset = data.name;
  const Preprocessing p = data.preprocessing ? *data.preprocessing : default_preprocessing(data.name);
  m.mean = p.mean;
  m.std = p.std;
  m.labels = class_names;
  return m;
}

std::vector<EpochStats> train(Model& model, const Dataset& train_set, const Dataset* test_set,
                              const TrainOptions& options,
                              const std::function<void(const EpochStats&)>& on_epoch) {
  return train(model, memory_source(train_set), test_set ? memory_source(*test_set) : nullptr, options, on_epoch);
}

std::vector<EpochStats> train(Model& model, const std::shared_ptr<const DataSource>& train_source,
                              const std::shared_ptr<const DataSource>& test_set, const TrainOptions& options,
                              const std::function<void(const EpochStats&)>& on_epoch) {
  if (options.epochs < 1) throw Error("train: epochs must be at least 1");
  if (options.batch_size < 1) throw Error("train: batch_size must be at least 1");
  if (!train_source || train_source->size() == 0) throw Error("the training set is empty");
  const DataSource& train_set = *train_source;
  torch::manual_seed(options.seed);

  torch::optim::Adam optimizer(model.module().parameters(),
                               torch::optim::AdamOptions(options.learning_rate));
  std::vector<EpochStats> history;
  const int64_t n = options.limit > 0 ? std::min(options.limit, train_set.size()) : train_set.size();
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    model.module().train();
    // A fresh seeded permutation per epoch: reproducible runs, no order bias.
    auto order = torch::randperm(n, torch::kLong);
    double loss_sum = 0;
    int64_t correct = 0;
    // Like the original, drop an incomplete last batch: BatchNorm statistics of a tiny
    // batch are noise.
    const int64_t batches = std::max<int64_t>(1, n / options.batch_size);
    // The epoch's images in its shuffled order, decoded ahead while the model trains.
    BatchStream stream(reordered(train_source, order),
                       {.batch_size = options.batch_size, .limit = std::min(n, batches * options.batch_size),
                        .threads = options.threads});
    for (int64_t b = 0; b < batches; ++b) {
      // Cosine decay over the whole run: large steps early, fine ones at the end, which buys
      // the last point of accuracy that a constant rate leaves on the table in 3 epochs.
      const double progress = double((epoch - 1) * batches + b) / double(options.epochs * batches);
      static_cast<torch::optim::AdamOptions&>(optimizer.param_groups()[0].options())
          .lr(options.learning_rate * 0.5 * (1.0 + std::cos(M_PI * progress)));
      const Batch batch = *stream.next();
      const torch::Tensor& images = batch.images;
      const torch::Tensor& labels = batch.labels;
      optimizer.zero_grad();
      auto logits = model.forward(images);
      auto loss = torch::nn::functional::cross_entropy(logits, labels);
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        // Stop before the step spreads it to every weight: nothing diverged is saved.
        throw Error(fmt::format("training diverged: loss is {} at epoch {}, batch {} (learning "
                                "rate {:g}, this batch {:g})",
                                std::isnan(loss_value) ? "nan" : fmt::format("{}", loss_value),
                                epoch, b + 1, options.learning_rate,
                                optimizer.param_groups()[0].options().get_lr()));
      }
      loss.backward();
      optimizer.step();
      loss_sum += loss_value * double(labels.size(0));
      correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
      if (options.on_batch)
        options.on_batch(epoch, b + 1, batches,
                         loss_sum / double(std::min(n, (b + 1) * options.batch_size)));
    }
    const int64_t seen = std::min(n, batches * options.batch_size);
    EpochStats stats;
    stats.epoch = epoch;
    stats.loss = loss_sum / double(seen);
    stats.accuracy = double(correct) / double(seen);
    // No test images, no test accuracy (NaN, shown as "n/a"), rather than a made-up 0 %.
    stats.test_accuracy = test_set && test_set->size() > 0 ? test_accuracy(model, test_set, 500, options.threads)
                                                           : std::numeric_limits<double>::quiet_NaN();
    stats.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history.push_back(stats);
    if (on_epoch) on_epoch(stats);
  }
  model.module().eval();
  return history;
}

}  // namespace torchvino
