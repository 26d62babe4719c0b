#pragma once
// Every option of the command line, declared once: its key (the field's name, which is also the
// POT-style config's key, the report's and the IR's key, and the name the library's errors
// use), its flag, its help, the subcommands that take it and its numeric limit
// (torchvino/limits.hpp, which the library checks too). Choices come from the field's enum and
// its name table (names.hpp). A command binds a row to the field it fills with bind()
// (cli/bind_option.hpp): the flag, its check and its --help all come from here, and the CLI
// translates a library error's option key back to the flag (flag_for_key).
//
// Adding an option: one row here, added to kAllOptions, and one bind() where the command's
// flags are declared (plus the YAML reader's list in quantize_job.cpp if a config key).
#include <array>
#include <string>
#include <string_view>

#include "torchvino/error.hpp"
#include "torchvino/limits.hpp"

namespace torchvino::cli {

struct Option {
  std::string_view key;        // field name (a.b for a nested one): config/report/rt_info key; what library errors say
  std::string_view flag;       // the command line's spelling
  std::string_view help;
  std::string_view commands;   // the subcommands that take it, space-separated
  const Limit* limit = nullptr;  // numeric options
  std::string_view alias = {};   // POT's or NNCF's other spelling of the config key
  std::string_view default_text = {};  // shown in --help where the default is not the field's value

  bool applies_to(std::string_view command) const;
};

namespace opt {
inline constexpr std::string_view kDataCommands = "train convert quantize eval pipeline";

// Data and model: what every command that reads a dataset or builds a model takes.
inline constexpr Option dataset{"dataset", "--dataset",
                                "Dataset name (export: the one whose preprocessing is baked in, when the model's "
                                "metadata has none)",
                                "train convert quantize eval pipeline export"};
inline constexpr Option data_dir{"data_dir", "--data-dir",
                                 "Folder with the dataset's files (default: the dataset's usual place)", kDataCommands};
inline constexpr Option threads{"threads", "--threads", "CPU threads for LibTorch and OpenVINO (0: all)",
                                "train convert quantize eval pipeline bench classify", &limits::non_negative};
inline constexpr Option out{"out", "--out", "Folder for checkpoints, IR and reports", kDataCommands};
inline constexpr Option model{"model", "--model", "Model architecture", kDataCommands};
inline constexpr Option image_size{"image_size", "--image-size",
                                   "Model input size (0: 28 for convnet, 32 for resnets on 28/32-pixel datasets, 224 "
                                   "for folder)",
                                   kDataCommands, &limits::non_negative};
inline constexpr Option num_classes{"num_classes", "--num-classes", "Classes of the model (0: the dataset's, 10)",
                                    kDataCommands, &limits::non_negative};
inline constexpr Option max_input_mb{"max_input_mb", "--max-input-mb",
                                     "Refuse compressed inputs that inflate to more than this (MB; default 1024)",
                                     "train convert quantize eval pipeline classify", &limits::max_input_mb};
inline constexpr Option max_image_pixels{"max_image_pixels", "--max-image-pixels",
                                         "Refuse images with more pixels than this (default 50 million)",
                                         "train convert quantize eval pipeline classify", &limits::max_image_pixels};
inline constexpr Option checkpoint{"checkpoint", "--checkpoint",
                                   "LibTorch checkpoint (.pt) to write (train), read (convert, eval --mode pytorch) or "
                                   "reuse (pipeline) (default: OUT/MODEL.pt)",
                                   "train convert eval pipeline"};
inline constexpr Option weights{"weights", "--weights", "PyTorch state dict (torch.save(model.state_dict()) in Python)",
                                "train eval"};
inline constexpr Option weights_non_strict{"weights_non_strict", "--weights-non-strict",
                                           "Skip --weights entries whose shape differs (e.g. fc for another class "
                                           "count)",
                                           "train eval"};
inline constexpr Option wait{"wait", "--wait",
                             "If another torchvino run is writing into the same output folder, wait for it (default: "
                             "fail at once, naming it)",
                             "train convert quantize pipeline"};

// How images become the model's input.
inline constexpr Option mean{"mean", "--mean",
                             "Input normalisation: x = (pixel/255 - mean) / std; one value or one per channel, "
                             "comma-separated (default: the model's metadata, else the dataset's)",
                             kDataCommands};
inline constexpr Option std_dev{"std", "--std", "Input normalisation: the std of the same formula (0 < std <= 1)",
                            kDataCommands};
inline constexpr Option resize{"resize", "--resize",
                               "Resize each image's shorter side to this, then centre-crop to the model's input size",
                               kDataCommands, &limits::at_least_one};
inline constexpr Option crop{"crop", "--crop", "Centre crop; must be the model's input size (resizing first as needed)",
                             kDataCommands, &limits::at_least_one};
inline constexpr Option interpolation{"interpolation", "--interpolation",
                                      "How images are resized: bilinear, bicubic or nearest, as the model saw them in "
                                      "training (default: what the model's metadata says, else bilinear); convert "
                                      "records it in the IR",
                                      kDataCommands};
inline constexpr Option antialias{"antialias", "--antialias",
                                  "on: shrink as Pillow, and so torchvision's Resize on PIL images, does (default, "
                                  "unless the model's metadata says otherwise); off: as cv2.resize and torch's "
                                  "antialias=False do (models trained on OpenCV or tensor pipelines); convert records "
                                  "it in the IR",
                                  kDataCommands};
inline constexpr Option preprocess{"preprocess", "--preprocess",
                                   "Preset: imagenet (ImageNet mean/std, shorter side to size·256/224, centre crop), the "
                                   "usual recipe of models trained on ImageNet; --mean/--std/--resize given too "
                                   "override it",
                                   kDataCommands};

// Training.
inline constexpr Option epochs{"epochs", "--epochs",
                               "Training epochs (train: 0 only initialises (seeded) or loads --weights, and saves the "
                               "checkpoint)",
                               "train pipeline", &limits::non_negative};
inline constexpr Option train_batch{"train_batch", "--train-batch", "Training batch size", "train pipeline",
                                    &limits::at_least_one};
inline constexpr Option lr{"lr", "--lr", "Adam learning rate (peak of a cosine decay)", "train pipeline",
                           &limits::positive};
inline constexpr Option train_limit{"train_limit", "--train-limit", "Train on the first N training images only (0: all)",
                                    "train pipeline", &limits::non_negative};
inline constexpr Option seed{"seed", "--seed", "Random seed (initialisation and shuffling)", "train pipeline",
                             &limits::non_negative};
inline constexpr Option retrain{"retrain", "--retrain", "Train even if the checkpoint exists", "pipeline"};

// Conversion.
inline constexpr Option onnx{"onnx", "--onnx", "Convert this ONNX file (exported from PyTorch) instead", "convert"};
inline constexpr Option precision{"precision", "--precision", "Weight precision of the IR (fp16 halves the file; the CPU still computes in f32)", "convert"};
inline constexpr Option output{"output", "--output",
                               "IR .xml to write (default: OUT/PRECISION/MODEL.xml for convert, OUT/int8/MODEL.xml for "
                               "quantize)",
                               "convert quantize"};
inline constexpr Option labels{"labels", "--labels",
                               "Class names, one per line (convert --onnx: recorded in the IR for classify and eval; "
                               "classify: default the model's metadata; eval, quantize: the model's classes in its "
                               "output order, the data's labels renumbered to them by name)",
                               "convert classify eval quantize"};
inline constexpr Option ground_truth{"ground_truth", "--ground-truth",
                                     "With --dataset folder: the split is a flat folder of images (DIR/val, or DIR "
                                     "itself) and this file lists each image's label, one 'file label' or "
                                     "'file,label' line per image",
                                     "eval quantize"};
inline constexpr Option layout{"channels_last", "--layout",
                               "With --onnx: the model's input layout; NHWC gets a transpose baked in, so the IR takes "
                               "N×C×H×W as every torchvino command feeds",
                               "convert"};
inline constexpr Option bgr{"bgr", "--bgr",
                            "With --onnx: the model wants B, G, R channel order (e.g. trained on OpenCV images); a "
                            "channel flip is baked in, so the IR takes RGB",
                            "convert"};

// Quantization (flags and the POT-style config's keys).
inline constexpr Option config{"config", "-c,--config",
                               "POT-style YAML config (model, engine, compression); flags given here override it",
                               "quantize"};
inline constexpr Option input{"input", "--input", "FP32 IR .xml or .onnx (default: OUT/fp32/MODEL.xml)", "quantize"};
inline constexpr Option save_calibration{"save_calibration", "--save-calibration",
                                         "Also write the calibration images as fed to the model (float32 NCHW .npy), "
                                         "e.g. for another tool",
                                         "quantize"};
inline constexpr Option subset_size{"subset_size", "--subset-size", "Calibration images, drawn across the training set",
                                    "quantize pipeline", &limits::subset_size, "stat_subset_size"};
inline constexpr Option calibration_seed{"calibration_seed", "--calibration-seed",
                                         "Seed of the draw of calibration images across the training set",
                                         "quantize pipeline", &limits::calibration_seed};
inline constexpr Option preset{"preset", "--preset",
                               "auto: performance for CNNs, mixed for transformers (NNCF's default); performance: "
                               "symmetric activations; mixed: asymmetric activations",
                               "quantize pipeline"};
inline constexpr Option model_type{"model_type", "--model-type",
                                   "Placement scheme: cnn, or transformer (NNCF's rules: no quantizers on residual "
                                   "Adds, pooling, Softmax outputs; symmetric attention MatMuls); auto: transformer "
                                   "when the graph has attention or layer normalisation",
                                   "quantize pipeline"};
inline constexpr Option smooth_quant_alpha{"smooth_quant_alpha", "--smooth-quant-alpha",
                                           "Transformers: SmoothQuant migration strength for linear layers (negative: "
                                           "off)",
                                           "quantize", &limits::smooth_quant_alpha};
inline constexpr Option range_estimator{"range_estimator", "--range-estimator", "Activation range estimator",
                                        "quantize pipeline"};
inline constexpr Option quantile{"quantile", "--quantile", "Quantile of the quantile range estimator", "quantize",
                                 &limits::quantile};
inline constexpr Option bias_correction{"bias_correction", "--bias-correction",
                                        "fast: from weight rounding alone; full: measure the quantized model layer by "
                                        "layer (slower); none",
                                        "quantize pipeline"};
inline constexpr Option overflow_fix{"overflow_fix", "--overflow-fix",
                                     "7-bit weights against int16 saturation on CPUs without VNNI; auto: first_layer "
                                     "with VNNI (NNCF's default), enable (all layers) without",
                                     "quantize"};
inline constexpr Option ignore_name{"names", "--ignore-name", "Keep this op FP32 (friendly name; repeatable)",
                                    "quantize"};
inline constexpr Option ignore_type{"types", "--ignore-type", "Keep ops of this type FP32, e.g. MatMul (repeatable)",
                                    "quantize"};
inline constexpr Option ignore_regex{"patterns", "--ignore-regex",
                                     "Keep ops whose name matches this regex (from the start) FP32 (repeatable)",
                                     "quantize"};
inline constexpr Option max_drop{"max_drop", "--max-drop",
                                 "Accuracy-aware: return quantizer groups to FP32 until top-1 drops at most this much "
                                 "(fraction, 0.01 = 1 point)",
                                 "quantize", &limits::max_drop, "maximal_drop"};
inline constexpr Option ranking_subset{"ranking_subset_size", "--ranking-subset",
                                       "Accuracy-aware: items used to rank layers", "quantize", &limits::ranking_subset};
inline constexpr Option max_iterations{"max_iterations", "--max-iterations",
                                       "Accuracy-aware: quantizer groups returned to FP32 at most (0: no limit)",
                                       "quantize", &limits::max_iterations};
inline constexpr Option validation_limit{"validation_limit", "--validation-limit",
                                         "Accuracy-aware: validate on the first N test images only (0: all)",
                                         "quantize", &limits::validation_limit};

// Evaluation and the pipeline.
inline constexpr Option mode{"mode", "--mode",
                             "Which variant to run: pytorch (LibTorch checkpoint) or an OpenVINO IR (fp32; bf16: the "
                             "FP32 IR computed in bf16, on CPUs with bf16 only, compared with fp32; fp16: FP16 weights, "
                             "f32 compute — smaller, not faster; int8)",
                             "eval"};
inline constexpr Option ir{"ir", "--ir", "For OpenVINO modes: IR .xml or .onnx (default: OUT/MODE/MODEL.xml)", "eval"};
inline constexpr Option batch_size{"batch_size", "--batch", "Images per inference", "eval pipeline",
                                   &limits::at_least_one};
inline constexpr Option requests{"requests", "--requests", "Asynchronous infer requests in flight (OpenVINO modes)",
                                 "eval pipeline classify", &limits::at_least_one};
inline constexpr Option limit{"limit", "--limit", "Evaluate only the first N test images (0: all)", "eval pipeline",
                              &limits::non_negative};
inline constexpr Option limit_seed{"limit_seed", "--limit-seed",
                                   "With --limit: draw the N images across the whole test split with this seed "
                                   "instead of taking the first N (a quick check that sees every class)",
                                   "eval"};
inline constexpr Option json_file{"json", "--json", "Also write the results as JSON to this file", "eval bench"};
inline constexpr Option modes{"modes", "--modes",
                              "Modes, comma-separated: pytorch (LibTorch), fp32, bf16 (the FP32 IR computed in bf16; "
                              "refused on CPUs without bf16), fp16 (FP16 weights, f32 compute — smaller, not faster), "
                              "int8",
                              "pipeline bench"};

// Benchmarking.
inline constexpr Option batches{"batches", "--batch", "Batch sizes, comma-separated (e.g. 1,8,96)", "bench"};
inline constexpr Option bench_requests{"requests", "--requests",
                                       "Infer requests in flight: N or auto (1 for the latency hint, else the plugin's "
                                       "optimal number); 1 runs synchronously",
                                       "bench"};
inline constexpr Option bench_streams{"streams", "--streams", "CPU streams: N or auto (the plugin's choice for the hint)",
                                      "bench"};
inline constexpr Option hint{"hint", "--hint",
                             "OpenVINO performance hint (classify's default: latency for 1 request, throughput for "
                             "more)",
                             "bench classify"};
inline constexpr Option seconds{"seconds", "--time", "Seconds timed per cell, after the warm-up", "bench",
                                &limits::positive};
inline constexpr Option iterations{"iterations", "--iterations", "Timed inferences per cell, instead of --time", "bench",
                                   &limits::at_least_one};
inline constexpr Option warmup_seconds{"warmup_seconds", "--warmup", "Seconds of untimed warm-up per cell", "bench",
                                       &limits::non_negative};
inline constexpr Option clock_ghz{"clock_ghz", "--clock-ghz",
                                  "Core clock for the peak, in GHz (0: measured under load; a busy or SMT-shared CPU "
                                  "measures low)",
                                  "bench", &limits::non_negative};
inline constexpr Option csv_file{"csv", "--csv", "Also write the results as CSV to this file", "bench"};
inline constexpr Option html_file{"html", "--html", "Also write a page with the table and charts to this file", "bench"};

// Classifying images.
inline constexpr Option top{"top", "--top", "Classes printed per image", "classify", &limits::at_least_one};
inline constexpr Option json_output{"json", "--json", "Print one JSON document instead of text", "classify"};

// Export to an OpenVINO Model Server repository.
inline constexpr Option ovms{"ovms", "--ovms", "Repository folder: writes NAME/VERSION/model.xml|bin and config.json",
                             "export"};
inline constexpr Option name{"name", "--name", "Served model name (default: the model file's name)", "export"};
inline constexpr Option version{"version", "--version", "Model version folder", "export", &limits::at_least_one};
inline constexpr Option batch{"batch", "--batch", "Images per request (static batch, config.json batch_size)",
                              "export", &limits::at_least_one};
inline constexpr Option streams{"streams", "--streams", "CPU streams in plugin_config NUM_STREAMS (0: AUTO)", "export",
                                &limits::non_negative};
inline constexpr Option raw_height{"image.height", "--raw-height", "Height of the images clients send (default: the "
                                   "dataset's)", "export", &limits::at_least_one};
inline constexpr Option raw_width{"image.width", "--raw-width", "Width of the images clients send (default: the dataset's)",
                                  "export", &limits::at_least_one};
inline constexpr Option raw_channels{"image.channels", "--raw-channels",
                                     "Channels of the images clients send: 1 or 3 (default: the dataset's)", "export"};
}  // namespace opt

inline constexpr std::array kAllOptions{
    &opt::dataset, &opt::data_dir, &opt::threads, &opt::out, &opt::model, &opt::image_size, &opt::num_classes,
    &opt::max_input_mb, &opt::max_image_pixels, &opt::checkpoint, &opt::weights, &opt::weights_non_strict,
    &opt::wait, &opt::mean, &opt::std_dev, &opt::resize, &opt::crop, &opt::preprocess, &opt::interpolation, &opt::antialias,
    &opt::epochs, &opt::train_batch,
    &opt::lr, &opt::train_limit, &opt::seed, &opt::retrain, &opt::onnx, &opt::precision, &opt::output, &opt::labels, &opt::ground_truth,
    &opt::layout, &opt::bgr, &opt::config, &opt::input, &opt::save_calibration, &opt::subset_size,
    &opt::calibration_seed, &opt::preset, &opt::model_type, &opt::smooth_quant_alpha, &opt::range_estimator,
    &opt::quantile, &opt::bias_correction, &opt::overflow_fix, &opt::ignore_name, &opt::ignore_type,
    &opt::ignore_regex, &opt::max_drop, &opt::ranking_subset, &opt::max_iterations, &opt::validation_limit,
    &opt::mode, &opt::ir, &opt::batch_size, &opt::requests, &opt::limit, &opt::limit_seed, &opt::json_file, &opt::modes, &opt::ovms,
    &opt::name, &opt::version, &opt::batch, &opt::streams, &opt::raw_height, &opt::raw_width, &opt::raw_channels,
    &opt::batches, &opt::bench_requests, &opt::bench_streams, &opt::hint, &opt::seconds, &opt::iterations,
    &opt::warmup_seconds, &opt::clock_ghz, &opt::csv_file, &opt::html_file, &opt::top, &opt::json_output};

// The flag of the option whose key is `key` that `command` takes (any command when empty), or
// an empty view: how the CLI names the option a library error names by its key.
std::string_view flag_for_key(std::string_view key, std::string_view command = {});

// A library error as the command line says it: when it names an option by its key, the flag
// `command` takes for it follows, e.g. "... max_input_mb = 1024 MB ... (--max-input-mb)".
std::string describe(const Error& e, std::string_view command = {});

}  // namespace torchvino::cli
