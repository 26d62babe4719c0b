#include <fmt/format.h>

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>

#include "report/chart.hpp"
#include "report/html_page.hpp"
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
      if (is_compute_layer(l)) {
        json layer = {{"name", l.name}, {"type", l.layer_type}, {"precision", l.runtime_precision}};
        if (!l.fused_compute.empty()) layer["compute_ops"] = l.fused_compute;
        layers.push_back(layer);
      }
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

// The per-mode comparison, one row of formatted cells per mode, shared by report.md and
// report.html.
const std::vector<std::string> kModeHeader = {"mode", "accuracy", "Δ vs pytorch", "loss", "images/s", "speed-up",
                                              "latency (ms/batch, mean / median / p90)", "weights", "on disk"};

std::vector<std::vector<std::string>> mode_rows(const PipelineReport& r) {
  const ModeRecord* base = nullptr;
  for (const auto& rec : r.records)
    if (rec.mode == Mode::PyTorch) base = &rec;
  std::vector<std::vector<std::string>> rows;
  for (const auto& rec : r.records) {
    const auto& e = rec.eval;
    rows.push_back({to_string(rec.mode), fmt::format("{:.2f} %", 100 * e.accuracy),
                    base ? fmt::format("{:+.2f}", 100 * (e.accuracy - base->eval.accuracy)) : "-",
                    fmt::format("{:.4f}", e.loss), fmt::format("{:.0f}", e.throughput),
                    base ? fmt::format("{:.2f}×", e.throughput / base->eval.throughput) : "-",
                    fmt::format("{:.3f} / {:.3f} / {:.3f}", e.latency_mean_ms, e.latency_median_ms, e.latency_p90_ms),
                    fmt::format("{:.1f} KB", rec.weights_bytes / 1024.0), fmt::format("{:.1f} KB", rec.size_bytes / 1024.0)});
  }
  return rows;
}

const std::vector<std::string> kParityHeader = {"mode", "max abs logit diff", "relative to max logit", "same argmax"};

std::vector<std::vector<std::string>> parity_rows(const PipelineReport& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : r.parity)  // bf16 is also compared with FP32, the same IR in f32
    rows.push_back({to_string(p.mode) + (p.reference == Mode::PyTorch ? std::string()
                                                                       : fmt::format(" (vs {})", to_string(p.reference))),
                    fmt::format("{:.3g}", p.max_abs_diff),
                    fmt::format("{:.3g}", p.relative_max_diff()),
                    fmt::format("{:.3f} %", 100 * p.argmax_agreement)});
  return rows;
}

std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string md = "| " + fmt::format("{}", fmt::join(header, " | ")) + " |\n|---|";
  for (size_t i = 1; i < header.size(); ++i) md += "---:|";
  md += "\n";
  for (const auto& row : rows) md += "| " + fmt::format("{}", fmt::join(row, " | ")) + " |\n";
  return md;
}

std::string settings_line(const PipelineReport& r) {
  const auto& o = r.options;
  return fmt::format("Model {} on {}; LibTorch {}, OpenVINO {}; threads {}, eval batch {}, infer requests {}.",
                     o.spec.arch, o.data.name, torch_version(), openvino_version(),
                     r.runtime.threads > 0 ? std::to_string(r.runtime.threads) : "default", o.eval.batch_size,
                     o.requests);
}

// `quote` wraps the layer names (Markdown: "`").
std::vector<std::string> fp32_layer_lines(const PipelineReport& r, const std::string& quote = "") {
  std::vector<std::string> lines;
  for (const auto& l : r.quantized_layers)
    if (!l.int8) lines.push_back(fmt::format("{1}{0}{1} ({2}) stays FP32: {3}", l.name, quote, l.type, l.reason));
  return lines;
}

std::string quantization_summary(const PipelineReport& r) {
  int int8 = 0;
  for (const auto& l : r.quantized_layers) int8 += l.int8;
  return fmt::format("{} of {} quantizable layers in INT8 ({:.1f} s).", int8, r.quantized_layers.size(),
                     r.quantize_seconds);
}

std::string report_markdown(const PipelineReport& r) {
  std::string md = "# torchvino pipeline report\n\n" + settings_line(r) + "\n\n";
  md += "![accuracy and throughput per mode](report.svg)\n\n";
  md += markdown_table(kModeHeader, mode_rows(r));
  if (!r.parity.empty()) md += "\n## Agreement with LibTorch\n\n" + markdown_table(kParityHeader, parity_rows(r));
  if (!r.quantized_layers.empty()) {
    md += "\n## Quantization\n\n" + quantization_summary(r) + "\n";
    for (const auto& line : fp32_layer_lines(r, "`")) md += "- " + line + "\n";
  }
  if (!r.warnings.empty()) {
    md += "\n## Warnings\n\n";
    for (const auto& w : r.warnings) md += "- " + w + "\n";
  }
  return md;
}

std::vector<report::BarChart> accuracy_and_throughput(const PipelineReport& r) {
  std::vector<report::Bar> accuracy, throughput;
  for (const auto& rec : r.records) {
    accuracy.push_back({to_string(rec.mode), 100.0 * rec.eval.accuracy});
    throughput.push_back({to_string(rec.mode), rec.eval.throughput});
  }
  return {{"Top-1 accuracy (%)", accuracy, "{:.2f}"}, {"Throughput (images/s)", throughput, "{:.0f}"}};
}

// Speed-ups against FP32 when it was measured (what deployment compares against), else PyTorch.
std::optional<report::BarChart> speedups(const PipelineReport& r) {
  const ModeRecord* base = nullptr;
  for (Mode m : {Mode::FP32, Mode::PyTorch})
    for (const auto& rec : r.records)
      if (!base && rec.mode == m && rec.eval.throughput > 0) base = &rec;
  if (!base) return std::nullopt;
  report::BarChart chart{fmt::format("Speed-up over {} (throughput)", to_string(base->mode)), {}, "{:.2f}×"};
  for (const auto& rec : r.records) chart.bars.push_back({to_string(rec.mode), rec.eval.throughput / base->eval.throughput});
  return chart;
}

std::string report_html(const PipelineReport& r) {
  report::HtmlPage page("torchvino pipeline report");
  page.paragraph(settings_line(r));
  std::vector<report::Point> points;
  std::vector<report::Range> latency;
  for (const auto& rec : r.records) {
    points.push_back({to_string(rec.mode), rec.eval.throughput, 100.0 * rec.eval.accuracy});
    latency.push_back({to_string(rec.mode), rec.eval.latency_median_ms, rec.eval.latency_median_ms,
                       rec.eval.latency_median_ms, rec.eval.latency_p90_ms, rec.eval.latency_p90_ms});
  }
  page.figure(report::scatter_svg("Accuracy against throughput", "images/s", "top-1 accuracy (%)", points),
              "Each mode: up and to the right is better.");
  auto bars = accuracy_and_throughput(r);
  if (const auto s = speedups(r)) bars.push_back(*s);
  page.figure(report::bar_charts_svg(bars), "Accuracy, throughput and speed-up per mode.");
  page.figure(report::ranges_svg("Latency per batch", "milliseconds", latency),
              "Median (mark) to p90 (box) of each mode's inference latency.");
  page.heading("Modes side by side");
  page.table(kModeHeader, mode_rows(r));
  if (!r.parity.empty()) {
    page.heading("Agreement with LibTorch");
    page.table(kParityHeader, parity_rows(r));
  }
  if (!r.training.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : r.training)
      rows.push_back({std::to_string(t.epoch), fmt::format("{:.4f}", t.loss), fmt::format("{:.2f} %", 100 * t.accuracy),
                      std::isnan(t.test_accuracy) ? "n/a" : fmt::format("{:.2f} %", 100 * t.test_accuracy),
                      fmt::format("{:.1f}", t.seconds)});
    page.heading("Training");
    page.table({"epoch", "loss", "train accuracy", "test accuracy", "seconds"}, rows);
  }
  if (!r.quantized_layers.empty()) {
    page.heading("Quantization");
    page.paragraph(quantization_summary(r));
    if (const auto lines = fp32_layer_lines(r); !lines.empty()) page.list(lines);
  }
  if (!r.warnings.empty()) {
    page.heading("Warnings");
    page.list(r.warnings);
  }
  return page.str();
}

}  // namespace

std::string record_to_json(const ModeRecord& record) { return record_json(record).dump(2) + "\n"; }

namespace {

// Every file of a report and how it is made: a new format is one row here.
struct ReportFile {
  const char* name;
  std::string (*make)(const PipelineReport&);
};
constexpr ReportFile kReportFiles[] = {
    {"report.json", [](const PipelineReport& r) { return report_json(r).dump(2) + "\n"; }},
    {"report.md", report_markdown},
    {"report.svg", [](const PipelineReport& r) { return report::bar_charts_svg(accuracy_and_throughput(r)); }},
    {"report.html", report_html},
};

}  // namespace

void write_report(const PipelineReport& report, const std::filesystem::path& dir) {
  for (const auto& file : kReportFiles) write_text_atomically(dir / file.name, file.make(report));
}

void remove_report(const std::filesystem::path& dir) {
  for (const auto& file : kReportFiles) std::filesystem::remove(dir / file.name);
}

}  // namespace torchvino
