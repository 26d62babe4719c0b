#include <fmt/format.h>
#include <torch/torch.h>

#include "cli/common.hpp"
#include "torchvino/pipeline.hpp"
#include "torchvino/state_dict.hpp"
#include "torchvino/train.hpp"
#include "util/strings.hpp"

namespace torchvino::cli {

void add_train_command(CLI::App& app) {
  auto flags = std::make_shared<CommandFlags<TrainOptions>>();
  auto* cmd = app.add_subcommand("train", "Train the model with LibTorch and save a checkpoint");
  add_common_options(cmd, flags->common);
  add_weights_options(cmd, flags->common);
  add_training_options(cmd, flags->options);
  add_checkpoint_option(cmd, flags->common);
  add_wait_option(cmd, flags->common);
  cmd->callback([flags] {
    const auto& c = flags->common;
    const auto checkpoint = c.checkpoint_file();
    // Checked before training: the folder is usable and no other run writes into it. A
    // checkpoint inside --out is published with the folder's new version, which drops the IRs
    // and reports made from the model it replaces.
    const auto lock = lock_output(c, checkpoint, "train");
    const auto next_version = lock->dir() == c.out_dir() ? stage_output(*lock) : nullptr;
    const auto publish = [&] {
      if (!next_version) return;
      drop_outputs_derived_from_model(next_version->path());
      next_version->publish();
    };
    const auto write_to = next_version ? next_version->staged(checkpoint) : checkpoint;
    start_runtime(c);
    torch::manual_seed(flags->options.seed);  // the initial weights come from the seed too
    Model model = create_model(c.spec());
    if (!c.weights.empty()) {
      load_state_dict(model, c.weights, !c.weights_non_strict);
      log_line("train: starting from --weights " + c.weights);
    }
    if (flags->options.epochs == 0) {
      save_checkpoint(model, write_to);
      publish();
      log_line("train: --epochs 0, saved the initial model to " + checkpoint.string());
      return;
    }
    log_line(fmt::format("train: loading {}", c.dataset));
    DatasetOptions train_data = c.data();
    train_data.limit = flags->options.limit;
    // Streams: each epoch decodes its batches ahead of the model, so folders of any size train.
    const auto train_set = open_dataset(train_data, Split::Train);
    const auto test_set = open_dataset(c.data(), Split::Test);
    log_line(fmt::format("train: {} on {} images, {} epochs, batch {}", c.model, train_set->size(),
                         flags->options.epochs, flags->options.batch_size));
    auto options = flags->options;
    options.threads = c.threads;
    options.on_batch = batch_progress_logger(options.epochs, options.batch_size);
    train(model, train_set, test_set, options, [&](const EpochStats& s) {
      log_line(fmt::format("epoch {}/{}  loss {:.4f}  train acc {}  test acc {}  {:.1f}s", s.epoch,
                           flags->options.epochs, s.loss, util::percent(s.accuracy),
                           util::percent(s.test_accuracy), s.seconds));
    });
    model.metadata = training_metadata(train_data, train_set->class_names);
    // Saved once, when training has finished: an interrupted run never replaces a finished model.
    save_checkpoint(model, write_to);
    publish();
    log_line("train: saved " + checkpoint.string());
  });
}

}  // namespace torchvino::cli
