#pragma once
#include "torchvino/data.hpp"
#include "torchvino/data_source.hpp"
#include "torchvino/models.hpp"

#include <functional>
#include <string>

namespace torchvino {

struct TrainOptions {
  int epochs = 3;
  int64_t batch_size = 96;
  double learning_rate = 2e-3;  // Adam, peak of a cosine decay to 0 over all epochs
  uint64_t seed = 1;
  int64_t limit = 0;  // train on the first `limit` images only; 0 = all
  int threads = 0;    // threads decoding the next batches of sources that decode; 0: one per core
  // After every batch: progress within an epoch (a ResNet epoch on 2 cores takes minutes).
  std::function<void(int epoch, int64_t batch, int64_t batches, double mean_loss)> on_batch;
};

struct EpochStats {
  int epoch = 0;  // 1-based
  double loss = 0;
  double accuracy = 0;       // on the training data seen in this epoch
  double test_accuracy = 0;  // on the test set; NaN when none was given or it is empty
  double seconds = 0;
};

// What a checkpoint records about the data a model was trained on (dataset, normalisation,
// labels), so that users of the checkpoint need no flags to feed it.
ModelMetadata training_metadata(const DatasetOptions& data, const Dataset& train_set);
ModelMetadata training_metadata(const DatasetOptions& data, const std::vector<std::string>& class_names);

// Trains `model` in place; calls `on_epoch` after each epoch (progress lines, checkpoints). Each
// epoch reads the training set as a stream in a fresh seeded order (image folders of any size are
// decoded batch by batch, ahead of the model); the test set (may be null) gives each epoch's test
// accuracy.
std::vector<EpochStats> train(Model& model, const std::shared_ptr<const DataSource>& train_set,
                              const std::shared_ptr<const DataSource>& test_set, const TrainOptions& options,
                              const std::function<void(const EpochStats&)>& on_epoch = {});
// The same on datasets held in memory.
std::vector<EpochStats> train(Model& model, const Dataset& train_set, const Dataset* test_set,
                              const TrainOptions& options,
                              const std::function<void(const EpochStats&)>& on_epoch = {});

}  // namespace torchvino
