#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "torchvino/accuracy_control.hpp"
#include "torchvino/data.hpp"
#include "torchvino/quantize.hpp"

namespace torchvino {

// A quantization job described in YAML, laid out as POT (OpenVINO's Post-training Optimization
// Tool) configs were:
//
//   model:
//     model: runs/demo/fp32/convnet.xml      # IR or ONNX (required)
//     output: runs/demo/int8/convnet.xml     # INT8 IR to write
//   engine:
//     dataset: fashion-mnist                 # fashion-mnist | mnist | cifar10 | folder
//     data_dir: /usr/share/datasets/fashion-mnist
//     metric: accuracy
//     validation_limit: 0                    # > 0: only the first N test images validate
//   compression:
//     algorithm: DefaultQuantization         # or AccuracyAwareQuantization
//     preset: performance                    # or mixed
//     stat_subset_size: 300
//     range_estimator: mean_minmax           # mean_minmax | minmax | quantile
//     fast_bias_correction: true
//     max_drop: 0.01                         # AccuracyAwareQuantization only
//     ranking_subset_size: 300               # AccuracyAwareQuantization only
//     max_iterations: 0                      # AccuracyAwareQuantization only
//     ignored_scope: {names: [...], types: [...], patterns: [...]}
//
// Relative paths are kept as written (relative to the working directory, as POT did).
struct QuantizeConfig {
  std::filesystem::path source;  // the file it came from, for messages
  std::filesystem::path model;
  std::filesystem::path output;  // empty: not given
  std::string dataset = "fashion-mnist";
  std::filesystem::path data_dir;  // empty: the dataset's default folder
  std::string metric = "accuracy";
  int64_t validation_limit = 0;
  std::string algorithm = "DefaultQuantization";
  QuantizeOptions quantize;          // preset, subset, estimator, bias correction, ignored scope
  AccuracyControlOptions control;    // max_drop, ranking subset, iterations

  bool accuracy_aware() const { return algorithm == "AccuracyAwareQuantization"; }
};

// Parses YAML text; `source` names it in error messages. Unknown keys, values of the wrong type or
// out of range, unknown algorithms/presets/datasets and missing required keys are Errors of the
// form "<source>: <key.path>: <problem>".
QuantizeConfig parse_quantize_config(const std::string& yaml, const std::string& source);
// Reads and parses a file; an unreadable file is an Error naming it.
QuantizeConfig load_quantize_config(const std::filesystem::path& file);

}  // namespace torchvino
