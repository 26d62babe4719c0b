#pragma once
#include <filesystem>
#include <string>

#include "torchvino/pipeline.hpp"

namespace torchvino {

// Versions of the libraries this binary runs with, e.g. for reports.
std::string torch_version();
std::string openvino_version();

// The comparison table printed by `pipeline` (mode, accuracy, Δ, throughput, speed-up, size).
std::string format_table(const PipelineReport& report);

// One evaluated mode as a JSON object (the records of report.json; `eval --json`).
std::string record_to_json(const ModeRecord& record);

// Writes report.json, report.md and report.svg (charts) into `dir`, each atomically.
void write_report(const PipelineReport& report, const std::filesystem::path& dir);

}  // namespace torchvino
