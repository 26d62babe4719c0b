#include "cli/cmd_export.hpp"

#include <fmt/format.h>

#include "cli/common.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/ir_metadata.hpp"
#include "torchvino/ovms_export.hpp"

namespace torchvino::cli {

void add_export_command(CLI::App& app) {
  struct Flags {
    std::string model, ovms, dataset = "fashion-mnist";
    OvmsExportOptions options;
    RawImageInput image;  // 0: the dataset's own images
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("export",
                                 "Model repository for OpenVINO Model Server: preprocessing baked, "
                                 "clients send raw uint8 NHWC images");
  cmd->add_option("model", flags->model, "IR .xml (FP32 or INT8) or .onnx to export")
      ->required()
      ->check(CLI::ExistingFile);
  bind(cmd, opt::ovms, flags->ovms)->required();
  bind(cmd, opt::name, flags->options.name);
  bind(cmd, opt::version, flags->options.version);
  bind(cmd, opt::batch, flags->options.batch);
  bind(cmd, opt::streams, flags->options.streams);
  auto* dataset_flag = bind(cmd, opt::dataset, flags->dataset)->check(CLI::IsMember(dataset_names()));
  bind(cmd, opt::raw_height, flags->image.height);
  bind(cmd, opt::raw_width, flags->image.width);
  bind(cmd, opt::raw_channels, flags->image.channels)->check(CLI::IsMember({1, 3}));
  cmd->callback([flags, dataset_flag] {
    const std::filesystem::path model_file = flags->model;
    auto model = read_model_file(model_file);
    const InputSpec spec = read_ir_metadata(*model).input;
    if (spec.preprocessing_baked)
      throw Error(model_file.string() + ": its preprocessing is already baked in (uint8 " + spec.layout +
                  " input); export the float model it was made from");
    // The IR's own C×H×W decides the preprocessing's output; the normalisation comes from the
    // model's metadata (what it was trained with) unless --dataset names one.
    const bool from_metadata = dataset_flag->count() == 0 && !spec.mean.empty() && !spec.std.empty();
    const DatasetOptions data = dataset_for_model(flags->dataset, "", *model, {});
    if (!data.preprocessing)
      throw Error(model_file.string() +
                  ": needs one N×C×H×W input with static C and H = W to bake preprocessing into");
    Preprocessing preprocessing = *data.preprocessing;
    RawImageInput image = flags->image;
    if (from_metadata) {
      preprocessing.mean = spec.mean;
      preprocessing.std = spec.std;
      // Clients send images of the model's own size unless told otherwise: nothing to resize.
      if (image.height == 0) image.height = spec.height;
      if (image.width == 0) image.width = spec.width;
      if (image.channels == 0) image.channels = spec.channels;
      preprocessing.crop = 0;
      preprocessing.resize = image.height == spec.height && image.width == spec.width ? 0 : spec.height;
      preprocessing.keep_aspect = false;
    } else {
      const DatasetInfo& dataset = dataset_info(flags->dataset);
      // --dataset names the normalisation, over the metadata's that dataset_for_model applied.
      const Preprocessing named = preprocessing_for_input(dataset, preprocessing.channels, dataset.image_size);
      preprocessing.mean = named.mean;
      preprocessing.std = named.std;
      if (image.height == 0) image.height = dataset.image_size;
      if (image.width == 0) image.width = dataset.image_size;
      if (image.channels == 0) image.channels = dataset.channels;
    }
    OvmsExportOptions options = flags->options;
    if (options.name.empty()) options.name = model_file.stem().string();
    const OvmsExport written = export_ovms(model, preprocessing, image, flags->ovms, options);
    log_line(fmt::format("export: wrote {} (input {}×{}×{}×{} u8 NHWC, normalisation from {}) and {}",
                         written.xml.string(), options.batch, image.height, image.width, image.channels,
                         from_metadata ? "the model's metadata" : "--dataset " + flags->dataset,
                         written.config.string()));
  });
}

}  // namespace torchvino::cli
