// The quantization debugger's report: the per-layer comparison, the ranking of the layers by the
// error each adds, the optional sensitivity and the file's bytes by part — as a text table, as
// JSON, and as one self-contained HTML page (inline data, script and styles; no network) whose
// script draws the bar charts and histograms as SVG.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "convert/model_bytes.h"
#include "debug/layer_compare.h"
#include "debug/sensitivity.h"

namespace qforge::debug {

struct DebugReport {
  std::string model, reference;  // the .qfm file and the float model's file
  std::string mode;              // the .qfm's mode (metadata)
  int64_t samples = 0;
  convert::ModelBytes bytes;
  std::vector<LayerStats> layers;
  std::optional<Sensitivity> sensitivity;
};

// Layer indices, the most damaging first: by the error the layer adds alone (lowest SQNR), then
// by its accumulated SQNR for layers whose added error is not measured.
std::vector<size_t> RankLayers(const std::vector<LayerStats>& layers);

nlohmann::json ReportJson(const DebugReport& report);
std::string ReportTable(const DebugReport& report);
std::string ReportHtml(const DebugReport& report);

}  // namespace qforge::debug
