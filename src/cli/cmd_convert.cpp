#include <fmt/format.h>

#include "cli/common.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"

namespace torchvino::cli {

void add_convert_command(CLI::App& app) {
  struct Flags {
    CommonOptions common;
    std::string onnx, output;
    Precision precision = Precision::FP32;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "convert", "Model optimization: checkpoint or ONNX → OpenVINO IR (BatchNorm folded, dynamic batch)");
  add_common_options(cmd, flags->common);
  auto* ckpt = add_checkpoint_option(cmd, flags->common, "LibTorch checkpoint");
  cmd->add_option("--onnx", flags->onnx, "Convert this ONNX file (exported from PyTorch) instead")->excludes(ckpt);
  add_choice(cmd, "--precision", flags->precision,
             "Weight precision of the IR (fp16 halves the file; the CPU still computes in f32)");
  cmd->add_option("--output", flags->output, "IR .xml to write (default: OUT/PRECISION/MODEL.xml)");
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
    } else {
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
