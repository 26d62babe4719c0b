#include <openvino/core/graph_util.hpp>
#include <openvino/pass/constant_folding.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"
#include "util/atomic_file.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

std::string lower_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

fs::path bin_of(const fs::path& xml) { return fs::path(xml).replace_extension(".bin"); }

// OpenVINO's messages carry a "Check ... failed at src/...cpp:123:" preamble per frame; the
// user needs the last, innermost line that says what is wrong.
std::string essence(const std::string& what) {
  std::istringstream lines(what);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.rfind("Exception from ", 0) == 0 || line.find("Check '") != std::string::npos) continue;
    last = line;
  }
  return last.empty() ? what : last;
}

}  // namespace

void save_ir(const std::shared_ptr<ov::Model>& model, const fs::path& xml, Precision precision) {
  if (!model) throw Error(xml.string() + ": no model to save");
  if (lower_extension(xml) != ".xml")
    throw Error(xml.string() + ": an OpenVINO IR file name must end in .xml");
  const fs::path bin = bin_of(xml);
  for (const auto& target : {xml, bin}) {
    if (fs::is_directory(target)) throw Error(target.string() + ": cannot save IR: is a directory");
  }
  try {
    write_atomically(std::vector<fs::path>{xml, bin}, [&](const std::vector<fs::path>& tmps) {
      // save_model always puts the weights next to the .xml; move them to the .bin temporary
      // the atomic writer expects if its naming differs.
      ov::save_model(model, tmps[0], /*compress_to_fp16=*/precision == Precision::FP16);
      const fs::path written_bin = bin_of(tmps[0]);
      if (!fs::exists(written_bin)) std::ofstream(written_bin, std::ios::binary);  // no weights
      if (written_bin != tmps[1]) fs::rename(written_bin, tmps[1]);
    });
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(xml.string() + ": cannot save IR: " + essence(e.what()));
  }
}

std::shared_ptr<ov::Model> read_model_file(const fs::path& file) {
  const std::string ext = lower_extension(file);
  if (ext != ".xml" && ext != ".onnx")
    throw Error(file.string() + ": unknown model format '" + file.extension().string() +
                "' (expected an OpenVINO IR .xml or an .onnx file)");
  if (!fs::is_regular_file(file)) throw Error(file.string() + ": model file not found");
  if (ext == ".xml" && !fs::is_regular_file(bin_of(file)))
    throw Error(file.string() + ": the weights file " + bin_of(file).filename().string() +
                " is missing next to it");
  try {
    auto model = openvino_core().read_model(file.string());
    // The ONNX reader computes e.g. every convolution bias's shape with a small subgraph of
    // shape ops; folding them (as OpenVINO's own converter does) gives plain constants, a
    // smaller IR, and biases the quantizer can correct.
    if (ext == ".onnx") ov::pass::ConstantFolding().run_on_model(model);
    return model;
  } catch (const std::exception& e) {
    throw Error(file.string() + ": cannot read model: " + essence(e.what()));
  }
}

uint64_t model_size_bytes(const fs::path& file) {
  std::error_code ec;
  uint64_t size = fs::file_size(file, ec);
  if (ec) throw Error(file.string() + ": cannot get file size: " + ec.message());
  if (lower_extension(file) == ".xml" && fs::is_regular_file(bin_of(file))) size += fs::file_size(bin_of(file));
  return size;
}

uint64_t weights_size_bytes(const fs::path& file) {
  const fs::path weights = lower_extension(file) == ".xml" ? bin_of(file) : file;
  std::error_code ec;
  const uint64_t size = fs::file_size(weights, ec);
  if (ec) throw Error(weights.string() + ": cannot get file size: " + ec.message());
  return size;
}

}  // namespace torchvino
