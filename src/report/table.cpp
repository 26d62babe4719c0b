#include <fmt/format.h>

#include "torchvino/report.hpp"

namespace torchvino {

namespace {
const ModeRecord* find_mode(const PipelineReport& r, Mode mode) {
  for (const auto& rec : r.records)
    if (rec.mode == mode) return &rec;
  return nullptr;
}
}  // namespace

std::string format_table(const PipelineReport& report) {
  const ModeRecord* base = find_mode(report, Mode::PyTorch);
  std::string out = fmt::format("{:<8} {:>9} {:>7} {:>8} {:>10} {:>9} {:>9} {:>11} {:>11}\n", "mode",
                                "accuracy", "Δ acc", "loss", "images/s", "speed-up",
                                "ms/batch", "weights", "on disk");
  for (const auto& rec : report.records) {
    const auto& e = rec.eval;
    const std::string delta =
        base ? fmt::format("{:+.2f}", 100.0 * (e.accuracy - base->eval.accuracy)) : "-";
    const std::string speedup = base ? fmt::format("{:.2f}x", e.throughput / base->eval.throughput) : "-";
    out += fmt::format("{:<8} {:>8.2f}% {:>7} {:>8.4f} {:>10.0f} {:>9} {:>9.3f} {:>8.1f} KB {:>8.1f} KB\n",
                       to_string(rec.mode), 100.0 * e.accuracy, delta, e.loss, e.throughput, speedup,
                       e.latency_mean_ms, double(rec.weights_bytes) / 1024.0,
                       double(rec.size_bytes) / 1024.0);
  }
  return out;
}

}  // namespace torchvino
