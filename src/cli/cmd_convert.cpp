#include <fmt/format.h>

#include "cli/common.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/ir_metadata.hpp"
#include "torchvino/labels.hpp"

namespace torchvino::cli {

namespace {

// What the flags say about an ONNX model's input, recorded in its metadata (torchvino.input.*,
// torchvino.labels) so that eval, quantize and classify feed it right without the flags.
void record_input(ov::Model& model, const InputFlags& flags, const std::string& labels_file) {
  if (flags.resize > 0 || flags.crop > 0)
    throw Error("--resize/--crop: convert records the normalisation and how images are resized, not sizes; give "
                "them to eval, quantize or pipeline, which bring a dataset's images to the model");
  const auto shape = model.input().get_partial_shape();
  const bool image_input = shape.rank().is_static() && shape.rank().get_length() == 4 && shape[1].is_static() &&
                           shape[2].is_static() && shape[3].is_static();
  IrMetadata m;
  if (!labels_file.empty()) {
    m.labels = read_class_names(labels_file);
    const auto out = model.output().get_partial_shape();
    if (out.rank().is_static() && out.rank().get_length() == 2 && out[1].is_static() &&
        out[1].get_length() != static_cast<int64_t>(m.labels.size()))
      throw Error(fmt::format("--labels: {} names {} classes, the model has {}", labels_file, m.labels.size(),
                              out[1].get_length()));
  }
  if (image_input) {
    m.input.channels = shape[1].get_length();
    m.input.height = shape[2].get_length();
    m.input.width = shape[3].get_length();
    m.input.layout = "NCHW";
  }
  if (flags.normalisation_given()) {
    if (!image_input)
      throw Error("--mean/--std/--preprocess: the model's input " + shape.to_string() +
                  " is not N×C×H×W with static C, H and W");
    const Normalization n = flag_normalisation(flags, m.input.channels);
    if (n.mean.empty() || n.std.empty()) throw Error("--mean and --std: give both (or --preprocess imagenet)");
    m.input.mean = n.mean;
    m.input.std = n.std;
  }
  if (flags.resampling_given()) {
    if (!image_input)
      throw Error("--interpolation/--antialias: the model's input " + shape.to_string() +
                  " is not N×C×H×W with static C, H and W");
    m.input.interpolation = flags.interpolation;
    if (flags.antialias) m.input.antialias = *flags.antialias == OnOff::On;
  }
  if (image_input || !m.labels.empty()) write_ir_metadata(model, m);
}

}  // namespace

void add_convert_command(CLI::App& app) {
  struct Flags {
    CommonOptions common;
    std::string onnx, output, labels;
    InputLayout layout = InputLayout::NCHW;
    bool bgr = false;
    Precision precision = Precision::FP32;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "convert", "Model optimization: checkpoint or ONNX → OpenVINO IR (BatchNorm folded, dynamic batch)");
  add_common_options(cmd, flags->common);
  auto* ckpt = add_checkpoint_option(cmd, flags->common);
  bind(cmd, opt::onnx, flags->onnx)->excludes(ckpt);
  bind(cmd, opt::precision, flags->precision);
  bind(cmd, opt::output, flags->output);
  bind(cmd, opt::labels, flags->labels);
  bind(cmd, opt::layout, flags->layout);
  bind(cmd, opt::bgr, flags->bgr);
  add_wait_option(cmd, flags->common);
  cmd->callback([flags] {
    const auto& c = flags->common;
    start_runtime(c);
    const Precision precision = flags->precision;
    const std::filesystem::path output =
        flags->output.empty() ? c.default_ir(to_string(precision)) : std::filesystem::path(flags->output);
    if (output.extension() != ".xml") throw Error("--output: " + output.string() + " must end in .xml");
    const auto lock = lock_output(c, output, "convert");
    std::shared_ptr<ov::Model> model;
    if (!flags->onnx.empty()) {
      model = read_model_file(flags->onnx);
      log_line("convert: read " + flags->onnx);
      const InputConvention convention{.channels_last = flags->layout == InputLayout::NHWC, .bgr = flags->bgr};
      model = adapt_input(model, convention);
      if (convention.channels_last || convention.bgr)
        log_line(fmt::format("convert: the model takes {}{}; the IR takes N×C×H×W RGB (baked in front: {})",
                             to_string(flags->layout), flags->bgr ? " BGR" : "",
                             convention.channels_last && convention.bgr ? "transpose, channel flip"
                             : convention.channels_last                 ? "transpose"
                                                                        : "channel flip"));
      record_input(*model, c.input, flags->labels);
    } else {
      if (c.input.given())
        throw Error("--mean/--std/--resize/--crop/--preprocess/--interpolation/--antialias apply to --onnx: a "
                    "checkpoint records the preprocessing it was trained with");
      if (!flags->labels.empty()) throw Error("--labels applies to --onnx: a checkpoint records its class names");
      if (flags->layout != InputLayout::NCHW || flags->bgr)
        throw Error("--layout/--bgr apply to --onnx: a checkpoint's model takes N×C×H×W RGB");
      const auto checkpoint = c.checkpoint_file();
      model = to_openvino(load_checkpoint(checkpoint));
      log_line("convert: translated " + checkpoint.string());
    }
    save_ir(model, output, precision);
    log_line(fmt::format("convert: wrote {} ({}, {:.1f} KB)", output.string(), to_string(precision),
                         model_size_bytes(output) / 1024.0));
  });
}

}  // namespace torchvino::cli
