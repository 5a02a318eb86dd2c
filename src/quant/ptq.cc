// Post-training quantization pipeline: lower, calibrate, tie, correct, emit.
#include "quant/ptq.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "convert/channel_removal.h"
#include "convert/lower.h"
#include "quant/equalize.h"
#include "core/rng.h"

namespace qforge::quant {

using convert::DeployGraph;
using convert::DeployLayer;
using convert::LayerKind;
using convert::ValueRange;

void TieRanges(const DeployGraph& graph, std::vector<ValueRange>* ranges) {
  std::vector<int> parent(graph.values.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  };
  for (const DeployLayer& l : graph.layers) {
    if (!convert::KeepsInputGrid(l.kind) && l.kind != LayerKind::kConcat) continue;
    for (int in : l.inputs) parent[find(in)] = find(l.output);
  }
  std::vector<ValueRange> group(graph.values.size(), ValueRange{0.0f, 0.0f});
  std::vector<bool> seen(graph.values.size(), false);
  for (size_t v = 0; v < graph.values.size(); ++v) {
    ValueRange& g = group[find(static_cast<int>(v))];
    const ValueRange& r = (*ranges)[v];
    if (!seen[find(static_cast<int>(v))]) {
      g = r;
      seen[find(static_cast<int>(v))] = true;
    }
    g.min = std::min(g.min, r.min);
    g.max = std::max(g.max, r.max);
  }
  for (size_t v = 0; v < graph.values.size(); ++v) (*ranges)[v] = group[find(static_cast<int>(v))];
}

void CorrectBiases(const std::vector<std::vector<double>>& channel_means, DeployGraph* graph,
                   const std::map<std::string, convert::Mode>& layer_modes,
                   const std::map<std::string, convert::WeightGrid>& grids) {
  for (DeployLayer& l : graph->layers) {
    const auto mode = layer_modes.find(l.name);
    if (!l.has_weights() || (mode != layer_modes.end() && mode->second == convert::Mode::kFloat)) continue;
    const std::vector<double>& mean = channel_means[l.inputs[0]];
    const convert::QuantizedWeights qw = convert::EmittedWeights(l, grids);
    const size_t oc = static_cast<size_t>(l.out_channels());
    const size_t in_c = mean.size();
    std::vector<double> shift(oc, 0.0);
    for (size_t i = 0; i < l.weights.size(); ++i) {
      const size_t c = convert::WeightChannel(l, i);
      const double error = qw.values[i] * static_cast<double>(qw.scale[c]) - l.weights[i];
      shift[c] += error * mean[convert::WeightInputChannel(l, i, in_c)];
    }
    for (size_t c = 0; c < oc; ++c) l.bias[c] = static_cast<float>(l.bias[c] - shift[c]);
  }
}

StatusOr<std::map<std::string, convert::Mode>> LayerModes(const Graph& graph, const DeployGraph& deploy,
                                                          const std::map<std::string, convert::Mode>& node_modes) {
  std::vector<int> producer(deploy.values.size(), -1);
  for (size_t i = 0; i < deploy.layers.size(); ++i) producer[deploy.layers[i].output] = static_cast<int>(i);
  std::map<std::string, convert::Mode> layer_modes;
  for (const auto& [node, mode] : node_modes) {
    const int v = graph.FindValue(node);
    if (v < 0 || graph.values()[v].kind != ValueKind::kNode) {
      std::vector<std::string> layers;
      for (const DeployLayer& l : deploy.layers) layers.push_back(l.name);
      return InvalidArgument("'{}' is not a node of the model (its layers: {})", node, fmt::join(layers, ", "));
    }
    const int dv = deploy.deploy_value_of[v];
    if (dv < 0 || producer[dv] < 0) return InvalidArgument("node '{}' is computed by no layer of the deployed model", node);
    const std::string& layer = deploy.layers[producer[dv]].name;
    const auto [it, added] = layer_modes.emplace(layer, mode);
    if (!added && it->second != mode)
      return InvalidArgument("node '{}' is fused into layer '{}', which is already {}", node, layer, convert::ModeName(it->second));
  }
  return layer_modes;
}

namespace {

// `count` distinct training samples drawn with `seed`, preprocessed to NHWC.
// Samples [first, first + take) of the `count` drawn (seeded) for calibration, preprocessed.
std::vector<float> CalibrationSamples(const ImageDataset& d, const Preprocess& pre, int64_t count, uint64_t seed,
                                      int64_t first, int64_t take) {
  std::vector<int64_t> order(d.count);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  for (int64_t i = 0; i < count; ++i) std::swap(order[i], order[i + static_cast<int64_t>(rng.Below(d.count - i))]);
  std::vector<float> out(static_cast<size_t>(take * d.channels * d.height * d.width));
  PreprocessNhwc(d, pre, order.data() + first, take, out.data());
  return out;
}

}  // namespace

Status CheckPtqOptions(const PtqOptions& o) {
  const bool integer = convert::NeedsRanges(o.mode);
  if (!integer && (o.per_tensor_weights || o.weight_bits != 8 || o.equalize || o.adaround || !o.node_modes.empty()))
    return InvalidArgument("per-tensor or n-bit weights, equalization, AdaRound and layers in other precisions need "
                           "--mode int8 or int16x8, not {}", convert::ModeName(o.mode));
  if (o.weight_bits < 2 || o.weight_bits > 8) return InvalidArgument("weight bits must be 2..8, not {}", o.weight_bits);
  for (const auto& [node, mode] : o.node_modes)
    if (mode != convert::Mode::kFloat && !convert::NeedsRanges(mode))
      return InvalidArgument("node '{}': a layer runs in float, int8 or int16x8, not {}", node, convert::ModeName(mode));
  if (o.adaround && o.replicas && o.replicas->size() > 1)
    return InvalidArgument("AdaRound runs in one process: quantize with it outside a multi-process job");
  if (o.adaround && o.bias_correction)
    return InvalidArgument("AdaRound already minimizes each layer's output error (its mean too): use it or bias "
                           "correction, not both");
  return Status::Ok();
}

StatusOr<PtqOptions> PtqOptionsFromMetadata(const nlohmann::json& m) {
  PtqOptions o;
  try {
    if (m.value("qat", false)) return InvalidArgument("a quantization-aware trained model (not post-training)");
    QF_ASSIGN_OR_RETURN(o.mode, convert::ParseMode(m.at("mode").get<std::string>()));
    if (convert::NeedsRanges(o.mode) && !m.contains("calibration"))
      return InvalidArgument("the metadata of a {} model has no calibration record", convert::ModeName(o.mode));
    if (m.contains("calibration")) {
      const nlohmann::json& c = m["calibration"];
      QF_ASSIGN_OR_RETURN(o.calibration.method, ParseCalibrationMethod(c.at("method").get<std::string>()));
      o.calibration_samples = c.at("samples").get<int64_t>();
      o.seed = c.value("seed", uint64_t{1});
      o.bias_correction = c.value("bias_correction", false);
      o.calibration.percentile = c.value("percentile", o.calibration.percentile);
    }
    if (m.contains("weights")) {
      o.weight_bits = m["weights"].at("bits").get<int>();
      o.per_tensor_weights = m["weights"].at("per_tensor").get<bool>();
    }
    o.equalize = m.contains("equalization");
    if (m.contains("adaround")) {
      const nlohmann::json& a = m["adaround"];
      o.adaround = true;
      o.adaround_options.iterations = a.at("iterations").get<int>();
      o.adaround_options.regularization = a.at("regularization").get<double>();
      o.adaround_options.learning_rate = a.value("learning_rate", o.adaround_options.learning_rate);
      o.adaround_options.samples = a.value("samples", o.adaround_options.samples);
      o.adaround_options.seed = o.seed;
    }
    if (m.contains("layer_modes"))
      for (const auto& [layer, mode] : m["layer_modes"].items()) {
        QF_ASSIGN_OR_RETURN(o.node_modes[layer], convert::ParseMode(mode.get<std::string>()));
      }
    o.int8_io = m.value("int8_io", false);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("the model's metadata does not describe a post-training quantization ({})", e.what());
  }
  // The command line's limits: metadata is user input too.
  const AdaRoundOptions& a = o.adaround_options;
  if (o.calibration_samples < 1 || o.calibration_samples > (int64_t{1} << 24) || !(o.calibration.percentile >= 50.0) ||
      !(o.calibration.percentile <= 100.0) || a.iterations < 1 || a.iterations > 1000000 || a.samples < 1 ||
      a.samples > (int64_t{1} << 24) || !(a.learning_rate > 0.0 && a.learning_rate <= 10.0) ||
      !(a.regularization >= 0.0 && a.regularization <= 1e6))
    return InvalidArgument("the model's metadata holds quantization settings out of range");
  QF_RETURN_IF_ERROR(CheckPtqOptions(o));
  return o;
}

namespace {

// Bias absorption moves each ReLU channel's 0.135% quantile: the paper's bound beta - 3 gamma
// on a batch-normalized (Gaussian) pre-activation is that quantile.
constexpr double kAbsorbedQuantile = 0.00135;

// Ranges of every value from the calibration samples: the method's on the mode's grid, with the
// 8-bit input's exact pixel range.
StatusOr<CalibrationResult> CalibrateValues(const DeployGraph& graph, const std::vector<float>& samples,
                                            int64_t samples_here, const CalibrationOptions& co,
                                            const std::optional<std::pair<float, float>>& pixel_range) {
  QF_ASSIGN_OR_RETURN(CalibrationResult cal, Calibrate(graph, samples.data(), samples_here, co));
  if (pixel_range) cal.ranges[graph.input] = {pixel_range->first, pixel_range->second};
  return cal;
}

// The weight grids other than the emitter's default (8-bit per channel): per tensor or b-bit for
// every weighted layer but clustered ones (their shared grid keeps the shared values).
std::map<std::string, convert::WeightGrid> WeightGrids(const DeployGraph& graph, const PtqOptions& o) {
  std::map<std::string, convert::WeightGrid> grids;
  if (!o.per_tensor_weights && o.weight_bits == 8) return grids;
  for (const DeployLayer& l : graph.layers)
    if (l.has_weights() && l.shared_values == 0) grids[l.name] = convert::MaxAbsWeightGrid(l, o.per_tensor_weights, o.weight_bits);
  return grids;
}

}  // namespace

StatusOr<PtqSession> PtqSession::Create(const Checkpoint& ck, const ImageDataset* data, const PtqOptions& o) {
  QF_RETURN_IF_ERROR(CheckPtqOptions(o));
  PtqSession session;
  QF_ASSIGN_OR_RETURN(session.graph_, convert::Lower(ck.graph));
  DeployGraph& graph = session.graph_;
  const convert::ChannelRemoval removal = convert::RemoveDeadChannels(&graph);
  PtqReport& r = session.report_;
  convert::EmitOptions& eo = session.emit_;
  eo.mode = o.mode;
  eo.int8_io = o.int8_io;
  nlohmann::json& meta = session.meta_;
  meta = {{"model", ck.meta.model_name},
          {"mode", convert::ModeName(o.mode)},
          {"preprocess", ck.meta.preprocess.ToJson()},
          {"class_names", ck.meta.class_names},
          {"input_layout", "NHWC"}};
  if (removal.removed > 0) meta["removed_channels"] = removal.removed;
  QF_ASSIGN_OR_RETURN(session.default_modes_, LayerModes(ck.graph, graph, o.node_modes));
  if (o.equalize) r.equalization = EqualizeCrossLayer(&graph);
  session.float_graph_ = graph;
  if (!convert::NeedsRanges(o.mode)) return session;
  // The preparation does not depend on layer modes: every layer is calibrated (for the other
  // integer type too), rounded and bias-corrected; Emit picks per layer.
  if (!data) return InvalidArgument("{} mode needs calibration data", convert::ModeName(o.mode));
  const std::vector<int>& in_shape = graph.values[graph.input].shape;
  const int64_t per_sample = std::accumulate(in_shape.begin(), in_shape.end(), int64_t{1}, std::multiplies<>());
  if (per_sample != data->channels * data->height * data->width)
    return InvalidArgument("calibration images ({}x{}x{}) do not match the model input", data->channels, data->height,
                           data->width);
  const int64_t n = std::min(o.calibration_samples, data->count);
  if (n < 1) return InvalidArgument("no calibration samples (the training split is empty)");
  CalibrationOptions co = o.calibration;
  co.int16 = o.mode == convert::Mode::kInt16x8;
  // This replica's share of the samples (all of them in one process).
  const int replicas = o.replicas ? o.replicas->size() : 1, rank = o.replicas ? o.replicas->rank() : 0;
  if (n < replicas) return InvalidArgument("{} calibration samples cannot give each of {} ranks one", n, replicas);
  const int64_t first = n * rank / replicas, local = n * (rank + 1) / replicas - first;
  if (replicas > 1) co.replicas = o.replicas;
  const std::vector<float> samples = CalibrationSamples(*data, ck.meta.preprocess, n, o.seed, first, local);
  // The input's values of 8-bit images are known exactly: preprocessed pixels 0..255 of each
  // channel. Their full range (over the channels) keeps every pixel value, whatever the method
  // would pick from the histogram; with one normalization for every channel each pixel value
  // has its own int8 level (per-channel mean/std can merge neighbouring values). Float data
  // keeps its calibrated range.
  std::optional<std::pair<float, float>> pixels;
  if (!data->floating) pixels = ck.meta.preprocess.PixelRange(data->channels);
  QF_ASSIGN_OR_RETURN(CalibrationResult cal, CalibrateValues(graph, samples, local, co, pixels));
  if (o.equalize) {  // absorbing biases narrows ranges: calibrate again
    CalibrationOptions lows = co;
    lows.method = CalibrationMethod::kMinMax;
    lows.channel_low_quantile = kAbsorbedQuantile;
    QF_ASSIGN_OR_RETURN(const CalibrationResult low, Calibrate(graph, samples.data(), local, lows));
    r.equalization.absorbed_channels = AbsorbBiases(low.channel_lows, &graph);
    if (r.equalization.absorbed_channels > 0) {
      QF_ASSIGN_OR_RETURN(cal, CalibrateValues(graph, samples, local, co, pixels));
    }
  }
  session.float_graph_ = graph;  // equalized, biases absorbed: what float layers run
  session.ranges_ = cal.ranges;
  if (co.method != CalibrationMethod::kMinMax) {  // other methods choose differently for int16
    CalibrationOptions other = co;
    other.int16 = !co.int16;
    QF_ASSIGN_OR_RETURN(const CalibrationResult cal_other, CalibrateValues(graph, samples, local, other, pixels));
    session.other_ranges_ = cal_other.ranges;
  }
  eo.ranges = cal.ranges;
  TieRanges(graph, &eo.ranges);
  eo.weight_grids = WeightGrids(graph, o);
  if (o.adaround) {
    QF_ASSIGN_OR_RETURN(r.adaround, AdaRoundWeights(&graph, eo, samples.data(), local, o.adaround_options, &eo.weight_grids));
  }
  if (o.bias_correction) CorrectBiases(cal.channel_means, &graph, {}, eo.weight_grids);
  meta["calibration"] = {{"method", CalibrationMethodName(co.method)},
                         {"samples", n},
                         {"seed", o.seed},
                         {"bias_correction", o.bias_correction}};
  if (co.method == CalibrationMethod::kPercentile) meta["calibration"]["percentile"] = co.percentile;
  if (o.int8_io) meta["int8_io"] = true;
  if (o.per_tensor_weights || o.weight_bits != 8)
    meta["weights"] = {{"bits", o.weight_bits}, {"per_tensor", o.per_tensor_weights}};
  if (o.equalize)
    meta["equalization"] = {{"pairs", r.equalization.pairs},
                            {"relu6_replaced", r.equalization.relu6_replaced},
                            {"absorbed_channels", r.equalization.absorbed_channels}};
  if (o.adaround)
    meta["adaround"] = {{"iterations", o.adaround_options.iterations},
                        {"regularization", o.adaround_options.regularization},
                        {"learning_rate", o.adaround_options.learning_rate},
                        {"samples", o.adaround_options.samples},
                        {"layers", std::count_if(r.adaround.begin(), r.adaround.end(),
                                                 [](const AdaRoundLayer& l) { return l.skipped.empty(); })}};
  return session;
}

StatusOr<std::vector<uint8_t>> PtqSession::Emit(const std::map<std::string, convert::Mode>* layer_modes) const {
  convert::EmitOptions eo = emit_;
  eo.layer_modes = layer_modes ? *layer_modes : default_modes_;
  nlohmann::json meta = meta_;
  if (!eo.layer_modes.empty()) {
    meta["layer_modes"] = nlohmann::json::object();
    for (const auto& [layer, mode] : eo.layer_modes) meta["layer_modes"][layer] = convert::ModeName(mode);
  }
  eo.metadata_json = meta.dump();
  // Layers in the other integer type take the ranges calibrated for its grid; float layers run
  // the float weights and biases (before rounding and bias correction).
  DeployGraph graph = graph_;
  if (!other_ranges_.empty()) eo.ranges = ranges_;
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const convert::Mode mode = convert::LayerModeOf(eo.layer_modes, graph.layers[i].name, eo.mode);
    if (mode == convert::Mode::kFloat) {
      graph.layers[i].weights = float_graph_.layers[i].weights;
      graph.layers[i].bias = float_graph_.layers[i].bias;
    } else if (convert::NeedsRanges(mode) && mode != eo.mode && !other_ranges_.empty()) {
      eo.ranges[graph.layers[i].output] = other_ranges_[graph.layers[i].output];
    }
  }
  if (!other_ranges_.empty()) TieRanges(graph, &eo.ranges);
  return convert::EmitQfm(graph, eo);
}

StatusOr<std::vector<uint8_t>> QuantizeCheckpoint(const Checkpoint& ck, const ImageDataset* data, const PtqOptions& o,
                                                  PtqReport* report) {
  QF_ASSIGN_OR_RETURN(const PtqSession session, PtqSession::Create(ck, data, o));
  if (report) *report = session.report();
  return session.Emit();
}

}  // namespace qforge::quant
