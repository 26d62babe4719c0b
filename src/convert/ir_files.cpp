#include <openvino/core/graph_util.hpp>
#include <openvino/pass/constant_folding.hpp>

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <cctype>
#include <chrono>
#include <thread>
#include <fstream>
#include <sstream>

#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"
#include "util/atomic_file.hpp"
#include "util/regular_file.hpp"
#include "util/strings.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

std::string lower_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

fs::path bin_of(const fs::path& xml) { return fs::path(xml).replace_extension(".bin"); }


constexpr const char* kWeightsStampKey = "torchvino_weights";

std::string weights_stamp(uint64_t size, uint32_t crc) { return fmt::format("bytes={:020} crc32={:08x}", size, crc); }
std::string stamp_placeholder() { return std::string(weights_stamp(0, 0).size(), '?'); }

// Size and CRC-32 of a file, read in chunks.
std::string stamp_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open: " + std::strerror(errno));
  std::vector<char> chunk(1 << 20);
  uLong crc = crc32_z(0L, Z_NULL, 0);
  uint64_t size = 0;
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto n = static_cast<size_t>(in.gcount());
    crc = crc32_z(crc, reinterpret_cast<const Bytef*>(chunk.data()), n);
    size += n;
  }
  if (in.bad()) throw Error(file.string() + ": cannot read: " + std::strerror(errno));
  return weights_stamp(size, static_cast<uint32_t>(crc));
}

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
  text.replace(at, placeholder.size(), stamp_of(bin));
  write_bytes_to(xml, text);
}

// An .xml written by torchvino names its .bin's size and checksum; other IRs carry no stamp.
// Returns false when the .bin does not match.
bool weights_match_stamp(const std::shared_ptr<ov::Model>& model, const fs::path& xml) {
  if (!model->has_rt_info(kWeightsStampKey)) return true;
  const std::string expected = model->get_rt_info<std::string>(kWeightsStampKey);
  model->get_rt_info().erase(kWeightsStampKey);
  return stamp_of(bin_of(xml)) == expected;
}

// Reads an IR whose .bin must match the .xml's stamp. A mismatch has three causes: a writer is
// between its two renames right now (wait for it, at most a few seconds), one died there (its
// journal puts the previous pair back: remove_stale_temporaries), or the files were replaced by
// hand (an error).
std::shared_ptr<ov::Model> read_stamped_ir(const fs::path& xml) {
  const fs::path dir = xml.parent_path();
  for (int attempt = 0;; ++attempt) {
    auto model = openvino_core().read_model(xml.string());
    if (weights_match_stamp(model, xml)) return model;
    if (remove_stale_temporaries(dir) > 0) continue;
    if (attempt < 40 && publication_in_progress(dir)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    throw Error(xml.string() + ": " + bin_of(xml).filename().string() +
                " does not belong to it (size or checksum differs): the pair was torn by an interrupted "
                "write or replaced separately; write the model again");
  }
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

std::shared_ptr<ov::Model> read_model_file(const fs::path& file) {
  const std::string ext = lower_extension(file);
  if (ext != ".xml" && ext != ".onnx")
    throw Error(file.string() + ": unknown model format '" + file.extension().string() +
                "' (expected an OpenVINO IR .xml or an .onnx file)");
  util::require_regular_file(file);
  if (!fs::is_regular_file(file)) throw Error(file.string() + ": model file not found");
  if (ext == ".xml") util::require_regular_file(bin_of(file));
  if (ext == ".xml" && !fs::is_regular_file(bin_of(file)))
    throw Error(file.string() + ": the weights file " + bin_of(file).filename().string() +
                " is missing next to it");
  try {
    if (ext == ".xml") return read_stamped_ir(file);
    auto model = openvino_core().read_model(file.string());
    // The ONNX reader computes e.g. every convolution bias's shape with a small subgraph of
    // shape ops; folding them (as OpenVINO's own converter does) gives plain constants, a
    // smaller IR, and biases the quantizer can correct.
    ov::pass::ConstantFolding().run_on_model(model);
    return model;
  } catch (const Error&) {
    throw;
  } catch (const std::logic_error& e) {
    // std::stoll and friends inside the reader: their message is just the function's name.
    throw Error(file.string() + ": cannot read model: a number in it is malformed or out of range (" +
                util::essence(e.what()) + ")");
  } catch (const std::exception& e) {
    throw Error(file.string() + ": cannot read model: " + util::essence(e.what()));
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
