#pragma once
// Where a run's files go in its output folder, written out once for every command and the
// pipeline that read or write them:
//   OUT/MODEL.pt                the checkpoint
//   OUT/fp32/MODEL.xml (.bin)   the FP32 IR; fp16/ and int8/ alike
#include <array>
#include <filesystem>
#include <string>

namespace torchvino {

struct OutputLayout {
  std::filesystem::path out;  // the output folder
  std::string model;          // the model's architecture name: the files' stem

  std::filesystem::path checkpoint() const { return out / (model + ".pt"); }
  // `precision` is a folder: "fp32", "fp16" or "int8".
  std::filesystem::path ir(const std::string& precision) const { return out / precision / (model + ".xml"); }
  // Every IR folder, e.g. to drop them all when the model they came from is replaced.
  static constexpr std::array<const char*, 3> kIrFolders = {"fp32", "fp16", "int8"};
};

}  // namespace torchvino
