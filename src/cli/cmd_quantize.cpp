#include <fmt/format.h>

#include "cli/common.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/quantize.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino::cli {

void add_quantize_command(CLI::App& app) {
  struct Flags {
    CommonOptions common;
    QuantizeOptions quantize;
    std::string input, output;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("quantize", "INT8 post-training quantization of an FP32 IR or ONNX model");
  add_common_options(cmd, flags->common);
  cmd->add_option("--input", flags->input, "FP32 IR .xml or .onnx (default: OUT/fp32/MODEL.xml)");
  cmd->add_option("--output", flags->output, "INT8 IR .xml to write (default: OUT/int8/MODEL.xml)");
  cmd->add_option("--subset", flags->quantize.subset_size, "Calibration images, from the training set")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--preset", flags->quantize.preset, "performance: symmetric; mixed: asymmetric activations")
      ->check(CLI::IsMember({"performance", "mixed"}))
      ->capture_default_str();
  cmd->add_option("--range-estimator", flags->quantize.range_estimator, "Activation range estimator")
      ->check(CLI::IsMember({"mean_minmax", "minmax", "quantile"}))
      ->capture_default_str();
  cmd->callback([flags] {
    const auto& c = flags->common;
    const std::filesystem::path input = flags->input.empty() ? c.default_ir("fp32") : std::filesystem::path(flags->input);
    const std::filesystem::path output = flags->output.empty() ? c.default_ir("int8") : std::filesystem::path(flags->output);
    if (output.extension() != ".xml") throw Error("--output: " + output.string() + " must end in .xml");
    auto model = read_model_file(input);
    const Dataset calibration = load_dataset(c.data(), Split::Train).head(flags->quantize.subset_size);
    auto opts = flags->quantize;
    opts.threads = c.threads;
    opts.on_progress = [](int64_t done, int64_t total) {
      if (done == total || done % 100 == 0) log_line(fmt::format("calibration {}/{}", done, total));
    };
    log_line(fmt::format("quantize: {} on {} calibration images, preset {}", input.string(),
                         calibration.size(), opts.preset));
    auto result = quantize(model, calibration, opts);
    save_ir(result.model, output, Precision::FP32);
    int int8 = 0;
    for (const auto& l : result.layers) int8 += l.int8;
    log_line(fmt::format("quantize: {} of {} layers INT8, {:.1f}s; wrote {} ({:.1f} KB)", int8,
                         result.layers.size(), result.seconds, output.string(), model_size_bytes(output) / 1024.0));
    for (const auto& l : result.layers)
      if (!l.int8) log_line(fmt::format("  FP32: {} ({}): {}", l.name, l.type, l.reason));
  });
}

}  // namespace torchvino::cli
