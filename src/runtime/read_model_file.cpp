#include <openvino/pass/constant_folding.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "runtime/ir_stamp.hpp"
#include "torchvino/error.hpp"
#include "torchvino/openvino_runtime.hpp"
#include "util/atomic_file.hpp"
#include "util/regular_file.hpp"
#include "util/strings.hpp"

namespace torchvino {

namespace fs = std::filesystem;
using namespace ir;

namespace {

// An .xml written by torchvino names its .bin's size and checksum; other IRs carry no stamp, and
// an IR another tool rewrote from one of ours carries a stamp that is not its own.
// Returns false when the .bin does not match.
bool weights_match_stamp(const std::shared_ptr<ov::Model>& model, const fs::path& xml) {
  if (!model->has_rt_info(kWeightsStampKey)) return true;
  const std::string stamp = model->get_rt_info<std::string>(kWeightsStampKey);
  model->get_rt_info().erase(kWeightsStampKey);
  std::ifstream in(xml, std::ios::binary);
  if (!in) throw Error(xml.string() + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(xml.string() + ": cannot read: " + std::strerror(errno));
  if (!stamp_belongs_to(stamp, text.str())) return true;
  return stamp_matches_weights(stamp, bin_of(xml));
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

}  // namespace torchvino
