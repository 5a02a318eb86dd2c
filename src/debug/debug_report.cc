// The debugger's text table, JSON and HTML page (see debug_report.h).
#include "debug/debug_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qforge::debug {
namespace {

// JSON has no NaN or infinity: not measured (NaN) is null, no error at all (an infinite SQNR or
// spread) the string "inf".
nlohmann::json Number(double v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

nlohmann::json HistogramJson(const Histogram& h) {
  if (h.counts.empty()) return nullptr;
  return {{"min", h.min}, {"max", h.max}, {"counts", h.counts}};
}

std::string Cell(double v, const char* format) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format(fmt::runtime(format), v);
}

}  // namespace

std::vector<size_t> RankLayers(const std::vector<LayerStats>& layers) {
  std::vector<size_t> order(layers.size());
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](size_t i) {
    const LayerStats& l = layers[i];
    const double added = std::isnan(l.added_sqnr_db) ? l.sqnr_db : l.added_sqnr_db;
    return std::isnan(added) ? std::numeric_limits<double>::infinity() : added;
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  return order;
}

nlohmann::json ReportJson(const DebugReport& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerStats& l : r.layers)
    layers.push_back({{"layer", l.layer},
                      {"op", l.op},
                      {"dtype", l.dtype},
                      {"elements", l.elements},
                      {"sqnr_db", Number(l.sqnr_db)},
                      {"mse", Number(l.mse)},
                      {"max_error", Number(l.max_error)},
                      {"added_sqnr_db", Number(l.added_sqnr_db)},
                      {"added_mse", Number(l.added_mse)},
                      {"range_utilization", Number(l.range_utilization)},
                      {"clipped_fraction", Number(l.clipped_fraction)},
                      {"weight_spread", Number(l.weight_spread)},
                      {"scale", l.scale},
                      {"zero_point", l.zero_point},
                      {"grid", {l.grid_low, l.grid_high}},
                      {"activation_histogram", HistogramJson(l.activations)},
                      {"weight_histogram", HistogramJson(l.weights)}});
  nlohmann::json ranking = nlohmann::json::array();
  for (size_t i : RankLayers(r.layers)) ranking.push_back(r.layers[i].layer);
  nlohmann::json j{{"model", r.model},       {"reference", r.reference}, {"mode", r.mode},
                   {"samples", r.samples},   {"layers", layers},         {"ranking", ranking},
                   {"bytes", convert::ToJson(r.bytes)}};
  if (r.sensitivity) {
    nlohmann::json s = nlohmann::json::array();
    for (const LayerSensitivity& l : r.sensitivity->layers)
      s.push_back({{"layer", l.layer}, {"alone_drop", l.alone_drop}, {"float_gain", l.float_gain}});
    std::vector<LayerSensitivity> sorted = r.sensitivity->layers;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const LayerSensitivity& a, const LayerSensitivity& b) { return a.float_gain > b.float_gain; });
    nlohmann::json rank = nlohmann::json::array();
    for (const LayerSensitivity& l : sorted) rank.push_back(l.layer);
    j["sensitivity"] = {{"float_accuracy", r.sensitivity->float_accuracy},
                        {"quantized_accuracy", r.sensitivity->quantized_accuracy},
                        {"samples", r.sensitivity->samples},
                        {"layers", s},
                        {"ranking", rank}};
  }
  return j;
}

std::string ReportTable(const DebugReport& r) {
  std::string out = fmt::format("{} ({}) against the float model of {}, {} samples\n", r.model, r.mode, r.reference, r.samples);
  out += fmt::format("{:<20} {:<18} {:<7} {:>9} {:>9} {:>10} {:>9} {:>7} {:>8} {:>8}", "layer", "op", "type", "SQNR dB",
                     "added dB", "MSE", "max err", "range", "clipped", "w spread");
  std::vector<std::pair<double, double>> sens(r.layers.size(), {NAN, NAN});
  if (r.sensitivity) {
    out += fmt::format(" {:>8} {:>8}", "alone", "as float");
    for (size_t i = 0; i < r.layers.size(); ++i)
      for (const LayerSensitivity& s : r.sensitivity->layers)
        if (s.layer == r.layers[i].layer) sens[i] = {-100.0 * s.alone_drop, 100.0 * s.float_gain};
  }
  out += "\n";
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const LayerStats& l = r.layers[i];
    out += fmt::format("{:<20} {:<18} {:<7} {:>9} {:>9} {:>10} {:>9} {:>7} {:>8} {:>8}", l.layer, l.op, l.dtype,
                       Cell(l.sqnr_db, "{:.1f}"), Cell(l.added_sqnr_db, "{:.1f}"), Cell(l.mse, "{:.3g}"),
                       Cell(l.max_error, "{:.3g}"), Cell(100.0 * l.range_utilization, "{:.0f}%"),
                       Cell(100.0 * l.clipped_fraction, "{:.2f}%"), Cell(l.weight_spread, "{:.1f}"));
    if (r.sensitivity) out += fmt::format(" {:>8} {:>8}", Cell(sens[i].first, "{:+.2f}"), Cell(sens[i].second, "{:+.2f}"));
    out += "\n";
  }
  std::string ranking;
  for (size_t i : RankLayers(r.layers)) ranking += (ranking.empty() ? "" : ", ") + r.layers[i].layer;
  out += "layers by the error they add (worst first): " + ranking + "\n";
  if (r.sensitivity) {
    out += fmt::format("accuracy on {} test samples: float {:.4f}, quantized {:.4f}; 'alone': points of accuracy with "
                       "only that layer quantized, 'as float': points won keeping only it in float\n",
                       r.sensitivity->samples, r.sensitivity->float_accuracy, r.sensitivity->quantized_accuracy);
    std::string sensitive;
    const nlohmann::json j = ReportJson(r);
    for (const auto& name : j.at("sensitivity").at("ranking")) sensitive += (sensitive.empty() ? "" : ", ") + name.get<std::string>();
    out += "layers by the accuracy won keeping them in float (most first): " + sensitive + "\n";
  }
  return out;
}

std::string ReportHtml(const DebugReport& r) {
  std::string data = ReportJson(r).dump();
  for (size_t at = data.find("</"); at != std::string::npos; at = data.find("</", at + 2)) data.replace(at, 2, "<\\/");
  static const char* const kPage = R"PAGE(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>qforge debug: {title}</title>
<style>
body {{ font: 14px sans-serif; margin: 24px; color: #222; max-width: 1200px; }}
h1 {{ font-size: 20px; }} h2 {{ font-size: 16px; margin-top: 28px; }}
table {{ border-collapse: collapse; font-size: 12px; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
.bad {{ background: #fdd; }}
svg.chart {{ display: block; margin: 8px 0; background: #fafafa; }}
.row {{ display: flex; gap: 12px; }}
.legend span {{ display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: middle; }}
#errors {{ color: #b00; }}
</style></head>
<body>
<h1>Quantization debug report</h1>
<div id="summary"></div>
<h2>SQNR per layer (dB; higher is better)</h2>
<div class="legend"><span style="background:#4a7ebb"></span>accumulated (the quantized model)<span style="background:#e08a2c"></span>added (the layer alone, float inputs; no error drawn at 99)</div>
<div id="sqnr"></div>
<h2>Sensitivity (accuracy points)</h2>
<div class="legend"><span style="background:#c0504d"></span>lost with only this layer quantized<span style="background:#3c9c5a"></span>won keeping only this layer float</div>
<div id="sensitivity"></div>
<h2>Worst layers: activations (float values; the grid's range in red) and weights</h2>
<div id="histograms"></div>
<h2>The file's bytes by part</h2>
<div id="bytes"></div>
<h2>All layers</h2>
<div id="table"></div>
<pre id="errors"></pre>
<script type="application/json" id="report-data">{data}</script>
<script>
"use strict";
window.onerror = function (message) {{ document.getElementById("errors").textContent += "script error: " + message + "\n"; }};
const report = JSON.parse(document.getElementById("report-data").textContent);
const SVG = "http://www.w3.org/2000/svg";
function el(name, attrs, parent) {{
  const e = document.createElementNS(SVG, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}}
function text(parent, x, y, s, anchor, size) {{
  const t = el("text", {{x: x, y: y, "font-size": size || 11, "text-anchor": anchor || "start"}}, parent);
  t.textContent = s;
  return t;
}}
// Grouped vertical bars: labels along x, one bar per series; null values are skipped.
function bars(container, name, labels, series, colors, unit) {{
  const w = Math.max(600, labels.length * 18 * series.length + 80), h = 260, left = 50, bottom = 90, top = 10;
  const svg = el("svg", {{"class": "chart", "data-chart": name, width: w, height: h}}, container);
  const all = series.flat().filter(v => v !== null && isFinite(v));
  const hi = Math.max(0, ...all), lo = Math.min(0, ...all), span = (hi - lo) || 1;
  const y = v => top + (hi - v) / span * (h - top - bottom);
  el("line", {{x1: left, x2: w, y1: y(0), y2: y(0), stroke: "#888"}}, svg);
  text(svg, left - 4, y(hi) + 4, hi.toFixed(1) + unit, "end");
  if (lo < 0) text(svg, left - 4, y(lo), lo.toFixed(1) + unit, "end");
  const slot = (w - left) / labels.length, bw = Math.max(2, slot / (series.length + 1));
  labels.forEach((label, i) => {{
    series.forEach((values, s) => {{
      const v = values[i];
      if (v === null || !isFinite(v)) return;
      const r = el("rect", {{"class": "bar", x: left + i * slot + s * bw + bw / 2, y: Math.min(y(v), y(0)), width: bw - 1,
                             height: Math.max(1, Math.abs(y(v) - y(0))), fill: colors[s]}}, svg);
      el("title", {{}}, r).textContent = label + ": " + v.toFixed(3) + unit;
    }});
    const t = text(svg, left + i * slot + slot / 2, h - bottom + 12, label, "end", 10);
    t.setAttribute("transform", "rotate(-45 " + (left + i * slot + slot / 2) + " " + (h - bottom + 12) + ")");
  }});
  return svg;
}}
// A histogram (bar heights on a log scale: ReLU outputs pile up at zero), optionally with the
// quantization grid's range marked.
function histogram(container, name, title, hist, grid) {{
  const w = 380, h = 160, pad = 20;
  const svg = el("svg", {{"class": "chart", "data-chart": name, width: w, height: h}}, container);
  text(svg, pad, 14, title);
  const peak = Math.max(1, ...hist.counts), n = hist.counts.length, bw = (w - 2 * pad) / n;
  hist.counts.forEach((c, i) => {{
    const bh = Math.log1p(c) / Math.log1p(peak) * (h - 3 * pad);
    el("rect", {{"class": "bar", x: pad + i * bw, y: h - pad - bh, width: Math.max(1, bw - 0.5), height: bh, fill: "#4a7ebb"}}, svg);
  }});
  const x = v => pad + (v - hist.min) / ((hist.max - hist.min) || 1) * (w - 2 * pad);
  if (grid) grid.forEach(v => el("line", {{x1: x(v), x2: x(v), y1: 20, y2: h - pad, stroke: "#c00"}}, svg));
  text(svg, pad, h - 4, hist.min.toPrecision(3));
  text(svg, w - pad, h - 4, hist.max.toPrecision(3), "end");
}}
const esc = s => String(s).replace(/[&<>"]/g, c => ({{"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"}})[c]);
const layers = report.layers;
const names = layers.map(l => l.layer);
document.getElementById("summary").innerHTML =
  "<p><b>" + esc(report.model) + "</b> (" + esc(report.mode) + ") against the float model of <b>" + esc(report.reference) +
  "</b>, " + report.samples + " samples, " + report.bytes.total + " bytes.</p><p>Layers by the error they add, worst first: " +
  esc(report.ranking.slice(0, 5).join(", ")) + "</p>" +
  (report.sensitivity ? "<p>Accuracy on " + report.sensitivity.samples + " test samples: float " +
   report.sensitivity.float_accuracy.toFixed(4) + ", quantized " + report.sensitivity.quantized_accuracy.toFixed(4) + "</p>" : "");
const cap = v => v === null ? null : v === "inf" ? 99 : v === "-inf" ? -99 : Math.min(v, 99);
bars(document.getElementById("sqnr"), "sqnr", names, [layers.map(l => cap(l.sqnr_db)), layers.map(l => cap(l.added_sqnr_db))],
     ["#4a7ebb", "#e08a2c"], " dB");
if (report.sensitivity) {{
  const s = report.sensitivity.layers;
  bars(document.getElementById("sensitivity"), "sensitivity", s.map(l => l.layer),
       [s.map(l => 100 * l.alone_drop), s.map(l => 100 * l.float_gain)], ["#c0504d", "#3c9c5a"], " pt");
}} else {{
  document.getElementById("sensitivity").textContent = "Not measured (run qforge debug with --sensitivity).";
}}
const hists = document.getElementById("histograms");
report.ranking.slice(0, 3).forEach(name => {{
  const l = layers.find(x => x.layer === name);
  const row = document.createElement("div");
  row.className = "row";
  hists.appendChild(row);
  if (l.activation_histogram) {{
    const grid = l.scale > 0 ? l.grid : null;
    histogram(row, "activations", name + " activations", l.activation_histogram, grid);
  }}
  if (l.weight_histogram) histogram(row, "weights", name + " weights", l.weight_histogram, null);
}});
const parts = ["codebooks", "indices", "sparse_indices", "weights", "biases", "other_constants", "metadata", "structure"];
bars(document.getElementById("bytes"), "bytes", parts, [parts.map(p => report.bytes[p] === undefined ? null : report.bytes[p] / 1024)],
     ["#7f6bb0"], " KiB");
const fmt = (v, d) => v === null ? "-" : typeof v === "string" ? v : v.toFixed(d);
let rows = "<table><tr><th>layer</th><th>op</th><th>type</th><th>SQNR dB</th><th>added dB</th><th>MSE</th><th>max error</th>" +
           "<th>range used</th><th>clipped</th><th>weight spread</th></tr>";
layers.forEach(l => {{
  const worst = report.ranking.indexOf(l.layer) < 3 ? " class=\"bad\"" : "";
  rows += "<tr" + worst + "><td>" + esc(l.layer) + "</td><td>" + l.op + "</td><td>" + l.dtype + "</td><td>" + fmt(l.sqnr_db, 1) +
          "</td><td>" + fmt(l.added_sqnr_db, 1) + "</td><td>" + (l.mse === null ? "-" : l.mse.toPrecision(3)) + "</td><td>" +
          (l.max_error === null ? "-" : l.max_error.toPrecision(3)) + "</td><td>" +
          (l.range_utilization === null ? "-" : (100 * l.range_utilization).toFixed(0) + "%") + "</td><td>" +
          (l.clipped_fraction === null ? "-" : (100 * l.clipped_fraction).toFixed(2) + "%") + "</td><td>" + fmt(l.weight_spread, 1) + "</td></tr>";
}});
document.getElementById("table").innerHTML = rows + "</table>";
document.body.setAttribute("data-rendered", "yes");
</script>
</body></html>
)PAGE";
  std::string title = r.model;
  for (char& c : title)
    if (c == '<' || c == '>' || c == '&') c = '_';
  return fmt::format(fmt::runtime(kPage), fmt::arg("title", title), fmt::arg("data", data));
}

}  // namespace qforge::debug
