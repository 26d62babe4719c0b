#include "torchvino/pipeline.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>

#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/ir_metadata.hpp"
#include "torchvino/output_layout.hpp"
#include "torchvino/report.hpp"
#include "util/strings.hpp"

namespace torchvino {

namespace fs = std::filesystem;

Parity compare_logits(Mode mode, const torch::Tensor& reference, const torch::Tensor& logits, Mode reference_mode) {
  if (reference.sizes() != logits.sizes())
    throw Error("cannot compare logits of shapes " + c10::str(reference.sizes()) + " and " +
                c10::str(logits.sizes()));
  Parity p;
  p.mode = mode;
  p.reference = reference_mode;
  p.max_abs_diff = (reference - logits).abs().max().item<double>();
  p.max_abs_logit = reference.abs().max().item<double>();
  p.argmax_agreement = reference.argmax(1).eq(logits.argmax(1)).to(torch::kDouble).mean().item<double>();
  return p;
}

void drop_outputs_derived_from_model(const fs::path& folder) {
  for (const char* dir : OutputLayout::kIrFolders) fs::remove_all(folder / dir);
  remove_report(folder);
}

namespace {

bool wants(const PipelineOptions& o, Mode mode) {
  return std::find(o.modes.begin(), o.modes.end(), mode) != o.modes.end();
}

// Where each artefact of the run goes (the published paths), and where it is written meanwhile.
struct Outputs {
  fs::path out, staging, checkpoint, fp32, fp16, int8;

  Outputs(const PipelineOptions& o) : Outputs(o, OutputLayout{o.out, o.spec.arch}) {}
  Outputs(const PipelineOptions& o, const OutputLayout& layout)
      : out(o.out),
        staging(o.staging.empty() ? o.out : o.staging),
        checkpoint(o.checkpoint.empty() ? layout.checkpoint() : o.checkpoint),
        fp32(layout.ir("fp32")),
        fp16(layout.ir("fp16")),
        int8(layout.ir("int8")) {}

  const fs::path& of(Mode mode) const {
    switch (mode) {
      case Mode::PyTorch: return checkpoint;
      case Mode::FP32: return fp32;
      case Mode::BF16: return fp32;  // the FP32 IR, compiled for bf16
      case Mode::FP16: return fp16;
      case Mode::INT8: return int8;
    }
    throw Error("unknown mode");
  }

  // `file` as it is until the folder is published; files outside `out` are written in place.
  fs::path staged(const fs::path& file) const {
    const fs::path relative = file.lexically_normal().lexically_relative(out.lexically_normal());
    if (relative.empty() || *relative.begin() == "..") return file;
    return staging / relative;
  }

  void drop_derived() const { drop_outputs_derived_from_model(staging); }
};

struct Data {
  std::shared_ptr<const DataSource> train;  // read epoch by epoch
  std::shared_ptr<const DataSource> test;  // streamed by every mode's evaluation
  Dataset calibration;  // drawn across the whole training split, whether training or not
};

// Load only what is used (train.limit, quantize.subset_size, eval.limit): at 3×224×224 a whole
// split would not fit in memory (60k training images are 36 GB). A reused checkpoint needs only
// the calibration subset of the training split.
Data load_data(const PipelineOptions& o, bool will_train, const Logger& log) {
  log(fmt::format("data: loading {}", o.data.name));
  DatasetOptions train_data = o.data, test_data = o.data, calibration_data = o.data;
  train_data.limit = o.train.limit;
  test_data.limit = o.eval.limit;
  calibration_data.limit = o.quantize.subset_size;
  calibration_data.shuffle_seed = static_cast<uint64_t>(o.quantize.calibration_seed);
  Data d;
  if (will_train) d.train = open_dataset(train_data, Split::Train);
  d.test = open_dataset(test_data, Split::Test);
  if (wants(o, Mode::INT8)) d.calibration = load_dataset(calibration_data, Split::Train);
  log(fmt::format("data: {} training, {} test, {} calibration images", d.train ? d.train->size() : 0, d.test->size(),
                  d.calibration.size()));
  return d;
}

Model obtain_model(const PipelineOptions& o, const Outputs& out, bool train_it, const Data& data,
                   PipelineReport& report, const Logger& log) {
  const fs::path& checkpoint = out.checkpoint;
  if (!train_it) {
    Model model = load_checkpoint(out.staged(checkpoint));
    if (model.spec.arch != o.spec.arch)
      throw Error(checkpoint.string() + ": holds a " + model.spec.arch + ", not a " + o.spec.arch +
                      " (set retrain to train again, or give another checkpoint)",
                  "retrain");
    log(fmt::format("train: reusing {} (retrain: train again)", checkpoint.string()));
    return model;
  }
  torch::manual_seed(o.train.seed);  // the initial weights come from the seed too
  Model model = create_model(o.spec);
  const int64_t images = o.train.limit > 0 ? std::min(o.train.limit, data.train->size()) : data.train->size();
  log(fmt::format("train: {} on {} images, {} epochs, batch {}", o.spec.arch, images, o.train.epochs,
                  o.train.batch_size));
  // Per-epoch test accuracy on the same images the evaluation uses (eval.limit), not more.
  TrainOptions train_options = o.train;
  train_options.threads = o.data.threads;
  report.training = train(model, data.train, data.test, train_options, [&](const EpochStats& s) {
    log(fmt::format("  epoch {}/{}  loss {:.4f}  train acc {}  test acc {}  {:.1f}s", s.epoch, o.train.epochs, s.loss,
                    util::percent(s.accuracy), util::percent(s.test_accuracy), s.seconds));
  });
  model.metadata = training_metadata(o.data, data.train->class_names);
  out.drop_derived();
  save_checkpoint(model, out.staged(checkpoint));
  log("train: saved " + checkpoint.string());
  return model;
}

void quantize_model(const PipelineOptions& o, const RuntimeContext& runtime, const std::shared_ptr<ov::Model>& fp32,
                    const Dataset& calibration, const Outputs& out, PipelineReport& report, const Logger& log) {
  const fs::path& int8_xml = out.int8;
  QuantizeOptions options = o.quantize;
  options.on_progress = [&](const std::string& stage, int64_t done, int64_t total) {
    if (done == total || done % 100 == 0) log(fmt::format("  {} {}/{}", stage, done, total));
  };
  log(fmt::format("quantize: calibrating on {} training images ({} preset)", calibration.size(),
                  to_string(options.preset)));
  auto quantized = quantize(fp32, calibration, options, runtime);
  report.quantized_layers = quantized.layers;
  report.quantize_seconds = quantized.seconds;
  save_ir(quantized.model, out.staged(int8_xml), Precision::FP32);
  log(fmt::format("quantize: wrote {} in {:.1f}s (overflow fix {})", int8_xml.string(), quantized.seconds,
                  to_string(quantized.overflow_fix)));
  for (const auto& note : quantized.notes) report.warnings.push_back("quantize: " + note);
}

ModeRecord evaluate_mode(const PipelineOptions& o, const RuntimeContext& runtime, Mode mode, const Model& model,
                         const Outputs& out, const std::shared_ptr<const DataSource>& test_set, const Logger& log) {
  ModeRecord record;
  record.mode = mode;
  record.model_file = out.of(mode);
  const fs::path file = out.staged(record.model_file);
  record.requests = runs_on_openvino(mode) ? o.requests : 1;
  const auto ir = runs_on_openvino(mode) ? read_model_file(file) : nullptr;
  auto backend = ir ? make_openvino_backend(ir, runtime_for(mode, runtime), o.requests) : make_libtorch_backend(model);
  record.size_bytes = model_size_bytes(file);
  record.weights_bytes = weights_size_bytes(file);
  log(fmt::format("eval: {} on {} test images, batch {}", to_string(mode),
                  test_set->size(), o.eval.batch_size));
  EvalOptions eval = o.eval;
  eval.threads = runtime.threads;
  eval.keep_logits = true;  // the parity of every mode with the reference
  record.eval = evaluate(*backend, test_set, eval);
  if (const auto* compiled = backend->compiled_model()) record.executed = executed_layers(*compiled, ir.get());
  // The accuracy travels inside the IR it was measured on (BF16 runs the FP32 IR at another
  // precision: the FP32 figure is the one the file keeps).
  if (ir && mode != Mode::BF16) {
    write_measured_accuracy(*ir, {.top1 = record.eval.accuracy, .top5 = record.eval.top5,
                                  .images = record.eval.images, .dataset = o.data.name + " (test)"});
    save_ir(ir, file, Precision::FP32);  // an FP16 IR read back keeps its f16 constants
  }
  log(fmt::format("  accuracy {}  loss {:.4f}  {:.0f} img/s  {:.3f} ms/batch", util::percent(record.eval.accuracy),
                  record.eval.loss, record.eval.throughput, record.eval.latency_mean_ms));
  return record;
}

// Parity against LibTorch (when it ran), bf16 against FP32 (the same IR at f32), and the INT8 and
// bf16 execution checks; logits are dropped after.
void compare_modes(PipelineReport& report) {
  const ModeRecord* reference = nullptr;
  const ModeRecord* fp32 = nullptr;
  for (const auto& r : report.records) {
    if (r.mode == Mode::PyTorch) reference = &r;
    if (r.mode == Mode::FP32) fp32 = &r;
  }
  for (auto& r : report.records) {
    if (reference && r.mode != Mode::PyTorch)
      report.parity.push_back(compare_logits(r.mode, reference->eval.logits, r.eval.logits));
    if (fp32 && r.mode == Mode::BF16)
      report.parity.push_back(compare_logits(r.mode, fp32->eval.logits, r.eval.logits, Mode::FP32));
    for (const auto& line : execution_warnings(r.mode, r.executed))
      report.warnings.push_back(to_string(r.mode) + ": " + line);
  }
  for (auto& r : report.records) r.eval.logits = torch::Tensor();  // reports do not need them
}

}  // namespace

void check_pipeline_options(const PipelineOptions& o, const RuntimeContext& runtime) {
  if (o.modes.empty()) throw Error("pipeline: modes must name at least one mode");
  for (size_t i = 0; i < o.modes.size(); ++i)
    if (std::count(o.modes.begin(), o.modes.end(), o.modes[i]) > 1)
      throw Error("pipeline: mode " + to_string(o.modes[i]) + " is given twice");
  // A pipeline trains whenever its checkpoint is missing: zero epochs would report an untrained model.
  if (o.train.epochs < 1) throw Error("pipeline: epochs must be at least 1", "epochs");
  if (o.eval.batch_size < 1) throw Error("pipeline: eval.batch_size must be at least 1");
  if (o.eval.limit < 0) throw Error("pipeline: eval.limit must not be negative");
  if (o.requests < 1) throw Error("pipeline: requests must be at least 1");
  if (o.quantize.subset_size < 1) throw Error("pipeline: quantize.subset_size must be at least 1");
  if (wants(o, Mode::BF16)) (void)runtime_for(Mode::BF16, runtime);  // refuses on CPUs without bf16
}

std::vector<Mode> default_modes(const RuntimeContext& runtime) {
  std::vector<Mode> modes = {Mode::PyTorch, Mode::FP32};
  if (cpu_has_bf16(runtime)) modes.push_back(Mode::BF16);
  modes.insert(modes.end(), {Mode::FP16, Mode::INT8});
  return modes;
}

PipelineReport run_pipeline(const PipelineOptions& o, const RuntimeContext& runtime, const Logger& log) {
  check_pipeline_options(o, runtime);
  PipelineReport report;
  report.options = o;
  report.runtime = runtime;
  const Outputs out(o);
  const bool will_train = o.retrain || !fs::exists(out.staged(out.checkpoint));
  const Data data = load_data(o, will_train, log);
  Model model = obtain_model(o, out, will_train, data, report, log);

  // Convert once; FP32 and FP16 IR are the same graph saved at two weight precisions. The FP32
  // IR is always written: it is what INT8 is made from and what other tools read.
  const auto fp32_model = to_openvino(model);
  save_ir(fp32_model, out.staged(out.fp32), Precision::FP32);
  log("convert: wrote " + out.fp32.string());
  if (wants(o, Mode::FP16)) {
    save_ir(fp32_model, out.staged(out.fp16), Precision::FP16);
    log("convert: wrote " + out.fp16.string());
  }
  if (wants(o, Mode::INT8)) quantize_model(o, runtime, fp32_model, data.calibration, out, report, log);

  for (const Mode mode : o.modes)
    report.records.push_back(evaluate_mode(o, runtime, mode, model, out, data.test, log));
  compare_modes(report);
  for (const auto& w : report.warnings) log("WARNING: " + w);
  return report;
}

}  // namespace torchvino
