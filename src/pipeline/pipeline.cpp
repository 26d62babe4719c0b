#include "torchvino/pipeline.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace fs = std::filesystem;

Parity compare_logits(const std::string& mode, const torch::Tensor& reference,
                      const torch::Tensor& logits) {
  if (reference.sizes() != logits.sizes())
    throw Error("cannot compare logits of shapes " + c10::str(reference.sizes()) + " and " +
                c10::str(logits.sizes()));
  Parity p;
  p.mode = mode;
  p.max_abs_diff = (reference - logits).abs().max().item<double>();
  p.max_abs_logit = reference.abs().max().item<double>();
  p.argmax_agreement =
      reference.argmax(1).eq(logits.argmax(1)).to(torch::kDouble).mean().item<double>();
  return p;
}

std::vector<ExecutedLayer> layers_not_in_int8(const std::vector<ExecutedLayer>& executed) {
  std::vector<ExecutedLayer> out;
  for (const auto& layer : executed) {
    const bool quantizable = layer.layer_type == "Convolution" ||
                             layer.layer_type == "FullyConnected" || layer.layer_type == "MatMul";
    const bool int8 = layer.runtime_precision == "u8" || layer.runtime_precision == "i8";
    if (quantizable && !int8) out.push_back(layer);
  }
  return out;
}

namespace {

std::string pct(double fraction) { return fmt::format("{:.2f}%", 100.0 * fraction); }

Model obtain_model(const PipelineOptions& o, const fs::path& checkpoint, bool train_it, const Dataset& train_set,
                   const Dataset& test_set, PipelineReport& report, const Logger& log) {
  if (!train_it) {
    Model model = load_checkpoint(checkpoint);
    if (model.spec.arch != o.spec.arch)
      throw Error(checkpoint.string() + ": holds a " + model.spec.arch + ", not a " + o.spec.arch +
                  " (use --retrain or another --checkpoint)");
    log(fmt::format("train: reusing {} (use --retrain to train again)", checkpoint.string()));
    return model;
  }
  torch::manual_seed(o.train.seed);  // the initial weights come from the seed too
  Model model = create_model(o.spec);
  const int64_t images = o.train.limit > 0 ? std::min(o.train.limit, train_set.size()) : train_set.size();
  log(fmt::format("train: {} on {} images, {} epochs, batch {}", o.spec.arch, images,
                  o.train.epochs, o.train.batch_size));
  // Per-epoch test accuracy on the same images the evaluation uses (--limit), not more.
  const Dataset monitor = o.eval.limit > 0 ? test_set.head(o.eval.limit) : test_set;
  report.training = train(model, train_set, &monitor, o.train, [&](const EpochStats& s) {
    log(fmt::format("  epoch {}/{}  loss {:.4f}  train acc {}  test acc {}  {:.1f}s", s.epoch,
                    o.train.epochs, s.loss, pct(s.accuracy), pct(s.test_accuracy), s.seconds));
  });
  save_checkpoint(model, checkpoint);
  log("train: saved " + checkpoint.string());
  return model;
}

}  // namespace

PipelineReport run_pipeline(const PipelineOptions& o, const Logger& log) {
  PipelineReport report;
  report.options = o;
  if (o.threads > 0) torch::set_num_threads(o.threads);

  const fs::path checkpoint = o.checkpoint.empty() ? o.out / (o.spec.arch + ".pt") : o.checkpoint;
  const bool will_train = o.retrain || !fs::exists(checkpoint);

  log(fmt::format("data: loading {}", o.data.name));
  // Load only what is used (--train-limit, --subset, --limit): at 3×224×224 a whole split would
  // not fit in memory (60k training images are 36 GB). A reused checkpoint needs only the
  // calibration subset of the training split.
  DatasetOptions train_data = o.data, test_data = o.data;
  if (!will_train) train_data.limit = o.quantize.subset_size;
  else if (o.train.limit > 0) train_data.limit = std::max(o.train.limit, o.quantize.subset_size);
  test_data.limit = o.eval.limit;
  const Dataset train_set = load_dataset(train_data, Split::Train);
  const Dataset test_set = load_dataset(test_data, Split::Test);
  log(fmt::format("data: {} training, {} test images", train_set.size(), test_set.size()));

  Model model = obtain_model(o, checkpoint, will_train, train_set, test_set, report, log);

  // Convert once; FP32 and FP16 IR are the same graph saved at two weight precisions.
  auto fp32_model = to_openvino(model);
  const fs::path fp32_xml = o.out / "fp32" / (o.spec.arch + ".xml");
  const fs::path fp16_xml = o.out / "fp16" / (o.spec.arch + ".xml");
  const fs::path int8_xml = o.out / "int8" / (o.spec.arch + ".xml");
  save_ir(fp32_model, fp32_xml, Precision::FP32);
  save_ir(fp32_model, fp16_xml, Precision::FP16);
  log("convert: wrote " + fp32_xml.string() + " and " + fp16_xml.string());

  QuantizeOptions qopt = o.quantize;
  qopt.threads = o.threads;
  const Dataset calibration = train_set.head(qopt.subset_size);
  qopt.on_progress = [&](int64_t done, int64_t total) {
    if (done == total || done % 100 == 0) log(fmt::format("  calibration {}/{}", done, total));
  };
  log(fmt::format("quantize: calibrating on {} training images ({} preset)", calibration.size(),
                  qopt.preset));
  auto quantized = quantize(read_model_file(fp32_xml), calibration, qopt);
  report.quantized_layers = quantized.layers;
  report.quantize_seconds = quantized.seconds;
  save_ir(quantized.model, int8_xml, Precision::FP32);
  log(fmt::format("quantize: wrote {} in {:.1f}s (overflow fix {})", int8_xml.string(), quantized.seconds,
                  quantized.overflow_fix));
  for (const auto& note : quantized.notes) report.warnings.push_back("quantize: " + note);

  torch::Tensor reference;
  for (const auto& mode : o.modes) {
    ModeRecord record;
    record.mode = mode;
    std::unique_ptr<Backend> backend;
    if (mode == "pytorch") {
      record.model_file = checkpoint;
      backend = make_libtorch_backend(model, o.threads);
    } else {
      record.model_file = mode == "fp32" ? fp32_xml : mode == "fp16" ? fp16_xml : int8_xml;
      if (mode != "fp32" && mode != "fp16" && mode != "int8")
        throw Error("unknown mode '" + mode + "' (known: pytorch, fp32, fp16, int8)");
      OpenVINOOptions ov_options;
      ov_options.threads = o.threads;
      ov_options.requests = o.requests;
      record.requests = o.requests;
      backend = make_openvino_backend(read_model_file(record.model_file), ov_options);
    }
    record.size_bytes = model_size_bytes(record.model_file);
    record.weights_bytes = weights_size_bytes(record.model_file);
    log(fmt::format("eval: {} on {} test images, batch {}", mode,
                    o.eval.limit > 0 ? std::min(o.eval.limit, test_set.size()) : test_set.size(),
                    o.eval.batch_size));
    record.eval = evaluate(*backend, test_set, o.eval);
    if (const auto* compiled = backend->compiled_model()) record.executed = executed_layers(*compiled);
    log(fmt::format("  accuracy {}  loss {:.4f}  {:.0f} img/s  {:.3f} ms/batch", pct(record.eval.accuracy),
                    record.eval.loss, record.eval.throughput, record.eval.latency_mean_ms));
    if (mode == "pytorch") reference = record.eval.logits;
    else if (reference.defined()) report.parity.push_back(compare_logits(mode, reference, record.eval.logits));
    if (mode == "int8") {
      for (const auto& layer : layers_not_in_int8(record.executed))
        report.warnings.push_back(fmt::format("int8: layer {} ({}) executes in {}, not 8-bit",
                                              layer.name, layer.layer_type, layer.runtime_precision));
    }
    record.eval.logits = torch::Tensor();  // reports do not need them; free the memory
    report.records.push_back(std::move(record));
  }
  for (const auto& w : report.warnings) log("WARNING: " + w);
  return report;
}

}  // namespace torchvino
