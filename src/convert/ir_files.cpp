#include <openvino/core/graph_util.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "runtime/ir_stamp.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"
#include "util/atomic_file.hpp"
#include "util/strings.hpp"

namespace torchvino {

namespace fs = std::filesystem;
using namespace ir;

namespace {

void write_bytes_to(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw Error(file.string() + ": cannot write: " + write_failure_reason(file.parent_path(), errno));
}

// Replaces the placeholder serialized into the .xml with the .bin's real stamp (same length).
void stamp_weights(const fs::path& xml, const fs::path& bin, const fs::path& target) {
  std::ifstream in(xml, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string placeholder = stamp_placeholder();
  const size_t at = text.find(placeholder);
  if (at == std::string::npos || text.find(placeholder, at + 1) != std::string::npos)
    throw Error(target.string() + ": cannot stamp the IR with its weights' checksum");
  text.replace(at, placeholder.size(), weights_stamp(bin, crc32_of(text)));
  write_bytes_to(xml, text);
}

}  // namespace

void save_ir(const std::shared_ptr<ov::Model>& model, const fs::path& xml, Precision precision) {
  if (!model) throw Error(xml.string() + ": no model to save");
  if (lower_extension(xml) != ".xml")
    throw Error(xml.string() + ": an OpenVINO IR file name must end in .xml");
  const fs::path bin = bin_of(xml);
  // The .xml is renamed into place last and carries the .bin's stamp: a pair torn by a crash
  // between the two renames is refused on reading instead of being used.
  write_atomically(std::vector<fs::path>{bin, xml}, [&](const std::vector<fs::path>& tmps) {
    const fs::path& tmp_bin = tmps[0];
    const fs::path& tmp_xml = tmps[1];
    model->set_rt_info(stamp_placeholder(), kWeightsStampKey);
    try {
      ov::save_model(model, tmp_xml, /*compress_to_fp16=*/precision == Precision::FP16);
    } catch (const std::exception& e) {
      const int saved = errno;
      model->get_rt_info().erase(kWeightsStampKey);
      const std::string what = util::essence(e.what());
      const std::string reason = write_failure_reason(xml.parent_path(), saved);
      throw Error(xml.string() + ": cannot save IR: " +
                  (what.find("iostream error") != std::string::npos ? reason : what + " (" + reason + ")"));
    }
    model->get_rt_info().erase(kWeightsStampKey);
    if (!fs::exists(tmp_bin)) write_bytes_to(tmp_bin, "");  // a model without weights
    stamp_weights(tmp_xml, tmp_bin, xml);
  });
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
