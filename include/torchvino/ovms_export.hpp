#pragma once
// Scale-out without a server of our own: a model repository for OpenVINO Model Server (OVMS) or
// any KServe v2 server that reads OVMS's layout.
#include <openvino/core/model.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "torchvino/data.hpp"

namespace torchvino {

struct OvmsExportOptions {
  std::string name;      // served model name (REST: /v2/models/NAME); letters, digits, - _ .
  int64_t version = 1;   // version folder, >= 1: OVMS serves the highest one
  int64_t batch = 1;     // static batch of the exported input, and config.json's batch_size
  int64_t streams = 0;   // plugin_config NUM_STREAMS; 0: "AUTO" (the throughput hint decides)
  std::string target_device = "CPU";
};

// The raw images clients send: uint8, NHWC, batch×height×width×channels.
struct RawImageInput {
  int64_t height = 0, width = 0;
  int64_t channels = 0;  // 1 or 3
};

// What export_ovms wrote.
struct OvmsExport {
  std::filesystem::path xml, bin;  // DIR/NAME/VERSION/model.xml|bin
  std::filesystem::path config;    // DIR/config.json
};

// Writes an OVMS model repository under `dir`:
//   dir/NAME/VERSION/model.xml|bin  `model` (one float N×C×H×W input, FP32 or INT8) with `p`
//                                   baked in (bake_preprocessing): clients send raw `image` bytes,
//                                   batch `options.batch`
//   dir/config.json                 {"model_config_list": [{"config": {name, base_path (NAME,
//                                   relative to config.json), target_device, batch_size,
//                                   plugin_config: PERFORMANCE_HINT THROUGHPUT, NUM_STREAMS,
//                                   INFERENCE_PRECISION_HINT f32}}]}
// An existing config.json keeps its other entries; this name's entry is replaced. Every file is
// written atomically. Throws Error naming the field (option(): name, version, batch, streams,
// image.height, image.width, image.channels) or the file for an invalid name/version/batch,
// an unreadable config.json, or a model and preprocessing that do not fit (see
// bake_preprocessing).
OvmsExport export_ovms(const std::shared_ptr<ov::Model>& model, const Preprocessing& p,
                       const RawImageInput& image, const std::filesystem::path& dir,
                       const OvmsExportOptions& options);

}  // namespace torchvino
