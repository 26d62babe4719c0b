#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "report/chart.hpp"
#include "torchvino/version.hpp"
#include "torchvino/report.hpp"
#include "util/atomic_file.hpp"

namespace torchvino {

using nlohmann::json;

namespace {

json settings_json(const PipelineOptions& o, const RuntimeContext& runtime) {
  return {{"model", o.spec.arch},
          {"image_size", o.spec.image_size},
          {"num_classes", o.spec.num_classes},
          {"dataset", o.data.name},
          {"data_dir", o.data.data_dir.string()},
          {"epochs", o.train.epochs},
          {"train_batch", o.train.batch_size},
          {"learning_rate", o.train.learning_rate},
          {"seed", o.train.seed},
          {"calibration_subset", o.quantize.subset_size},
          {"preset", to_string(o.quantize.preset)},
          {"range_estimator", to_string(o.quantize.range_estimator)},
          {"bias_correction", to_string(o.quantize.bias_correction)},
          {"eval_batch", o.eval.batch_size},
          {"eval_limit", o.eval.limit},
          {"threads", runtime.threads},
          {"requests", o.requests}};
}

json record_json(const ModeRecord& r) {
  const auto& e = r.eval;
  // clang-format off
  json j = {{"mode", to_string(r.mode)}, {"model_file", r.model_file.string()},
            {"size_bytes", r.size_bytes}, {"weights_bytes", r.weights_bytes},
            {"images", e.images}, {"batch", e.batch_size}, {"requests", r.requests},
            {"accuracy", e.accuracy}, {"top5", e.top5}, {"loss", e.loss}, {"throughput", e.throughput},
            {"latency_mean_ms", e.latency_mean_ms}, {"latency_median_ms", e.latency_median_ms},
            {"latency_p90_ms", e.latency_p90_ms}, {"seconds", e.seconds}, {"warmup_seconds", e.warmup_seconds}};
  // clang-format on
  if (!r.executed.empty()) {
    json layers = json::array();
    for (const auto& l : r.executed)
      if (is_compute_layer(l))
        layers.push_back({{"name", l.name}, {"type", l.layer_type}, {"precision", l.runtime_precision}});
    j["executed_layers"] = layers;
  }
  return j;
}

json report_json(const PipelineReport& r) {
  json j;
  j["settings"] = settings_json(r.options, r.runtime);
  j["versions"] = {{"torchvino", TORCHVINO_VERSION_STRING},
                   {"libtorch", torch_version()},
                   {"openvino", openvino_version()}};
  j["records"] = json::array();
  for (const auto& rec : r.records) j["records"].push_back(record_json(rec));
  j["parity"] = json::array();
  for (const auto& p : r.parity)
    j["parity"].push_back({{"mode", to_string(p.mode)},
                           {"reference", to_string(p.reference)},
                           {"max_abs_diff", p.max_abs_diff},
                           {"max_abs_logit", p.max_abs_logit},
                           {"argmax_agreement", p.argmax_agreement}});
  j["training"] = json::array();
  for (const auto& t : r.training)
    j["training"].push_back({{"epoch", t.epoch},
                             {"loss", t.loss},
                             {"train_accuracy", t.accuracy},
                             {"test_accuracy", t.test_accuracy},
                             {"seconds", t.seconds}});
  j["quantization"] = {{"seconds", r.quantize_seconds}, {"layers", json::array()}};
  for (const auto& l : r.quantized_layers)
    j["quantization"]["layers"].push_back(
        {{"name", l.name}, {"type", l.type}, {"int8", l.int8}, {"reason", l.reason}});
  j["warnings"] = r.warnings;
  return j;
}

std::string report_markdown(const PipelineReport& r) {
  const auto& o = r.options;
  std::string md = "# torchvino pipeline report\n\n";
  md += fmt::format("Model `{}` on `{}`; LibTorch {}, OpenVINO {}; threads {}, eval batch {}, "
                    "infer requests {}.\n\n",
                    o.spec.arch, o.data.name, torch_version(), openvino_version(),
                    r.runtime.threads > 0 ? std::to_string(r.runtime.threads) : "default", o.eval.batch_size,
                    o.requests);
  md += "![accuracy and throughput per mode](report.svg)\n\n";
  md += "| mode | accuracy | Δ vs pytorch | loss | images/s | speed-up | latency (ms/batch, mean / median / p90) | weights | on disk |\n";
  md += "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  const ModeRecord* base = nullptr;
  for (const auto& rec : r.records)
    if (rec.mode == Mode::PyTorch) base = &rec;
  for (const auto& rec : r.records) {
    const auto& e = rec.eval;
    md += fmt::format(
        "| {} | {:.2f} % | {} | {:.4f} | {:.0f} | {} | {:.3f} / {:.3f} / {:.3f} | {:.1f} KB | {:.1f} KB |\n",
        to_string(rec.mode), 100 * e.accuracy,
        base ? fmt::format("{:+.2f}", 100 * (e.accuracy - base->eval.accuracy)) : "-", e.loss,
        e.throughput, base ? fmt::format("{:.2f}×", e.throughput / base->eval.throughput) : "-",
        e.latency_mean_ms, e.latency_median_ms, e.latency_p90_ms, rec.weights_bytes / 1024.0,
        rec.size_bytes / 1024.0);
  }
  if (!r.parity.empty()) {
    md += "\n## Agreement with LibTorch\n\n| mode | max abs logit diff | relative to max logit | same argmax |\n|---|---:|---:|---:|\n";
    for (const auto& p : r.parity)  // bf16 is also compared with FP32, the same IR in f32
      md += fmt::format("| {}{} | {:.3g} | {:.3g} | {:.3f} % |\n", to_string(p.mode),
                        p.reference == Mode::PyTorch ? std::string() : fmt::format(" (vs {})", to_string(p.reference)),
                        p.max_abs_diff,
                        p.max_abs_diff / std::max(p.max_abs_logit, 1e-12), 100 * p.argmax_agreement);
  }
  if (!r.quantized_layers.empty()) {
    int int8 = 0;
    for (const auto& l : r.quantized_layers) int8 += l.int8;
    md += fmt::format("\n## Quantization\n\n{} of {} quantizable layers in INT8 ({:.1f} s).\n",
                      int8, r.quantized_layers.size(), r.quantize_seconds);
    for (const auto& l : r.quantized_layers)
      if (!l.int8) md += fmt::format("- `{}` ({}) stays FP32: {}\n", l.name, l.type, l.reason);
  }
  if (!r.warnings.empty()) {
    md += "\n## Warnings\n\n";
    for (const auto& w : r.warnings) md += "- " + w + "\n";
  }
  return md;
}

}  // namespace

std::string record_to_json(const ModeRecord& record) { return record_json(record).dump(2) + "\n"; }

void write_report(const PipelineReport& report, const std::filesystem::path& dir) {
  write_text_atomically(dir / "report.json", report_json(report).dump(2) + "\n");
  write_text_atomically(dir / "report.md", report_markdown(report));
  std::vector<report::Bar> accuracy, throughput;
  for (const auto& rec : report.records) {
    accuracy.push_back({to_string(rec.mode), 100.0 * rec.eval.accuracy});
    throughput.push_back({to_string(rec.mode), rec.eval.throughput});
  }
  write_text_atomically(dir / "report.svg",
                        report::bar_charts_svg({{"Top-1 accuracy (%)", accuracy, "{:.2f}"},
                                        {"Throughput (images/s)", throughput, "{:.0f}"}}));
}

}  // namespace torchvino
