#pragma once
// A quantization job: what `torchvino quantize` does, from flags and/or a POT-style YAML file
// laid out as POT (OpenVINO's retired Post-training Optimization Tool) configs were:
//
//   model:
//     model: runs/demo/fp32/convnet.xml      # IR or ONNX (required)
//     output: runs/demo/int8/convnet.xml     # INT8 IR to write
//   engine:
//     dataset: fashion-mnist                 # a dataset name (see `torchvino --help`)
//     data_dir: /usr/share/datasets/fashion-mnist
//     metric: accuracy
//     validation_limit: 0                    # > 0: only the first N test images validate
//   compression:
//     algorithm: DefaultQuantization         # or AccuracyAwareQuantization
//     preset: performance                    # or mixed
//     model_type: auto                       # auto | cnn | transformer (NNCF's model_type)
//     smooth_quant_alpha: 0.95               # transformers only; negative: off
//     subset_size: 300                       # POT's name stat_subset_size is accepted too
//     calibration_seed: 0                    # the subset is drawn across the training set
//     range_estimator: mean_minmax           # mean_minmax | minmax | quantile
//     bias_correction: fast                  # fast | full | none (POT/NNCF: fast_bias_correction)
//     overflow_fix: auto                     # auto | first_layer | enable | disable
//     max_drop: 0.01                         # AccuracyAwareQuantization only
//     ranking_subset_size: 300               # AccuracyAwareQuantization only
//     max_iterations: 0                      # AccuracyAwareQuantization only
//     ignored_scope: {names: [...], types: [...], patterns: [...]}
//
// Relative paths are kept as written (relative to the working directory, as POT did). The
// keys, choices and numeric limits are the rows the flags use (option_table.hpp, names.hpp, limits.hpp).
#include <CLI/CLI.hpp>

#include <array>
#include <filesystem>
#include <string>

#include "torchvino/accuracy_control.hpp"
#include "torchvino/names.hpp"
#include "torchvino/quantize.hpp"

namespace torchvino::cli {

struct QuantizeJob {
  std::filesystem::path source;  // the file it came from, for messages
  std::filesystem::path model;
  std::filesystem::path output;  // empty: not given
  std::string dataset = "fashion-mnist";
  std::filesystem::path data_dir;  // empty: the dataset's default folder
  int64_t validation_limit = 0;
  Algorithm algorithm = Algorithm::Default;
  QuantizeOptions quantize;        // preset, subset, estimator, bias correction, ignored scope
  AccuracyControlOptions control;  // max_drop, ranking subset, iterations, metric

  bool accuracy_aware() const { return algorithm == Algorithm::AccuracyAware; }
};

// Parses YAML text; `source` names it in error messages. Unknown or repeated keys, values of the
// wrong type or out of range, unknown names and missing required keys are Errors of the form
// "<source>: <key.path>: <problem>".
QuantizeJob parse_quantize_job(const std::string& yaml, const std::string& source);
// Reads and parses a file; an unreadable file is an Error naming it.
QuantizeJob load_quantize_job(const std::filesystem::path& file);

// The flags of the job's options (the ones a config key sets too), filling `flags`.
void add_job_flags(CLI::App* command, QuantizeJob& flags);
// `job` with every such flag that was given on the command line copied from `flags`: flags
// override the config file. --max-drop selects AccuracyAwareQuantization.
void apply_given_flags(const CLI::App* command, const QuantizeJob& flags, QuantizeJob& job);

}  // namespace torchvino::cli
