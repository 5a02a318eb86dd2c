// Post-training quantization pipeline: lower, calibrate, tie, correct, emit.
#include "quant/ptq.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "convert/channel_removal.h"
#include "convert/lower.h"
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
                   const std::map<std::string, convert::Mode>& layer_modes) {
  for (DeployLayer& l : graph->layers) {
    const auto mode = layer_modes.find(l.name);
    if (!l.has_weights() || (mode != layer_modes.end() && mode->second == convert::Mode::kFloat)) continue;
    const std::vector<double>& mean = channel_means[l.inputs[0]];
    const convert::QuantizedWeights qw = convert::QuantizeWeights(l);
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
std::vector<float> CalibrationSamples(const ImageDataset& d, const Preprocess& pre, int64_t count, uint64_t seed) {
  std::vector<int64_t> order(d.count);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  for (int64_t i = 0; i < count; ++i) std::swap(order[i], order[i + static_cast<int64_t>(rng.Below(d.count - i))]);
  std::vector<float> out(static_cast<size_t>(count * d.channels * d.height * d.width));
  PreprocessNhwc(d, pre, order.data(), count, out.data());
  return out;
}

}  // namespace

StatusOr<std::vector<uint8_t>> QuantizeCheckpoint(const Checkpoint& ck, const ImageDataset* data,
                                                  const PtqOptions& o) {
  QF_ASSIGN_OR_RETURN(DeployGraph graph, convert::Lower(ck.graph));
  const convert::ChannelRemoval removal = convert::RemoveDeadChannels(&graph);
  convert::EmitOptions eo;
  eo.mode = o.mode;
  eo.int8_io = o.int8_io;
  nlohmann::json meta{{"model", ck.meta.model_name},
                      {"mode", convert::ModeName(o.mode)},
                      {"preprocess", ck.meta.preprocess.ToJson()},
                      {"class_names", ck.meta.class_names},
                      {"input_layout", "NHWC"}};
  if (removal.removed > 0) meta["removed_channels"] = removal.removed;
  QF_ASSIGN_OR_RETURN(eo.layer_modes, LayerModes(ck.graph, graph, o.node_modes));
  if (!eo.layer_modes.empty() && !convert::NeedsRanges(o.mode))
    return InvalidArgument("layers in other precisions need --mode int8 or int16x8");
  if (!eo.layer_modes.empty()) {
    meta["layer_modes"] = nlohmann::json::object();
    for (const auto& [layer, mode] : eo.layer_modes) meta["layer_modes"][layer] = convert::ModeName(mode);
  }
  if (convert::NeedsRanges(o.mode)) {
    if (!data) return InvalidArgument("{} mode needs calibration data", convert::ModeName(o.mode));
    const std::vector<int>& in_shape = graph.values[graph.input].shape;
    const int64_t per_sample = std::accumulate(in_shape.begin(), in_shape.end(), int64_t{1}, std::multiplies<>());
    if (per_sample != data->channels * data->height * data->width)
      return InvalidArgument("calibration images ({}x{}x{}) do not match the model input", data->channels,
                             data->height, data->width);
    const int64_t n = std::min(o.calibration_samples, data->count);
    if (n < 1) return InvalidArgument("no calibration samples");
    CalibrationOptions co = o.calibration;
    co.int16 = o.mode == convert::Mode::kInt16x8;
    const std::vector<float> samples = CalibrationSamples(*data, ck.meta.preprocess, n, o.seed);
    QF_ASSIGN_OR_RETURN(CalibrationResult cal, Calibrate(graph, samples.data(), n, co));
    // The input's values of 8-bit images are known exactly: preprocessed pixels 0..255 of each
    // channel. Their full range (over the channels) keeps every pixel value, whatever the method
    // would pick from the histogram; with one normalization for every channel each pixel value
    // has its own int8 level (per-channel mean/std can merge neighbouring values). Float data
    // keeps its calibrated range.
    if (!data->floating) {
      const auto [lowest, highest] = ck.meta.preprocess.PixelRange(data->channels);
      cal.ranges[graph.input] = {lowest, highest};
    }
    // Values of layers in the other integer type: ranges for that type's grid (the methods other
    // than min/max choose differently for int16).
    bool other_type = false;
    for (const auto& [layer, mode] : eo.layer_modes) other_type = other_type || (mode != o.mode && mode != convert::Mode::kFloat);
    if (other_type && co.method != CalibrationMethod::kMinMax) {
      CalibrationOptions other = co;
      other.int16 = !co.int16;
      QF_ASSIGN_OR_RETURN(const CalibrationResult cal_other, Calibrate(graph, samples.data(), n, other));
      for (const DeployLayer& l : graph.layers) {
        const auto mode = eo.layer_modes.find(l.name);
        if (mode != eo.layer_modes.end() && mode->second != o.mode && mode->second != convert::Mode::kFloat)
          cal.ranges[l.output] = cal_other.ranges[l.output];
      }
    }
    if (o.bias_correction) CorrectBiases(cal.channel_means, &graph, eo.layer_modes);
    TieRanges(graph, &cal.ranges);
    eo.ranges = std::move(cal.ranges);
    meta["calibration"] = {{"method", CalibrationMethodName(co.method)},
                           {"samples", n},
                           {"bias_correction", o.bias_correction}};
    if (co.method == CalibrationMethod::kPercentile) meta["calibration"]["percentile"] = co.percentile;
  }
  eo.metadata_json = meta.dump();
  return convert::EmitQfm(graph, eo);
}

}  // namespace qforge::quant
