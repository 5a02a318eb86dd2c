// Cross-layer equalization and bias absorption on a DeployGraph (see equalize.h).
#include "quant/equalize.h"

#include <algorithm>
#include <cmath>

#include "convert/emit.h"

namespace qforge::quant {
namespace {

using convert::DeployGraph;
using convert::DeployLayer;
using convert::FusedActivation;
using convert::LayerKind;

// A pair: layer `a`'s output channels reach layer `b`'s input channels unchanged but for
// positive scaling (and shifts, which pooling and flattening carry through).
struct Pair {
  int a = -1, b = -1;
};

bool IsChannelwiseHomogeneous(LayerKind k) {
  return k == LayerKind::kMaxPool || k == LayerKind::kAvgPool || k == LayerKind::kMean || k == LayerKind::kFlatten;
}

bool Rescalable(const DeployLayer& l) {
  return l.has_weights() && l.shared_values == 0 && (l.kind != LayerKind::kConv || l.groups == 1);
}

std::vector<Pair> FindPairs(const DeployGraph& g) {
  std::vector<std::vector<int>> readers(g.values.size());
  for (size_t i = 0; i < g.layers.size(); ++i)
    for (int v : g.layers[i].inputs) readers[v].push_back(static_cast<int>(i));
  std::vector<Pair> pairs;
  for (size_t i = 0; i < g.layers.size(); ++i) {
    const DeployLayer& a = g.layers[i];
    if (!Rescalable(a)) continue;
    int v = a.output;
    while (v != g.output && readers[v].size() == 1) {
      const DeployLayer& next = g.layers[readers[v][0]];
      if (next.inputs.size() != 1) break;
      if (IsChannelwiseHomogeneous(next.kind)) {
        v = next.output;
        continue;
      }
      if (Rescalable(next)) pairs.push_back({static_cast<int>(i), readers[v][0]});
      break;
    }
  }
  return pairs;
}

// Largest |weight| per output channel of a, and per input channel (of `channels`) of b.
std::vector<double> OutputChannelRanges(const DeployLayer& a) {
  std::vector<double> r(a.out_channels(), 0.0);
  for (size_t k = 0; k < a.weights.size(); ++k) {
    double& m = r[convert::WeightChannel(a, k)];
    m = std::max(m, static_cast<double>(std::fabs(a.weights[k])));
  }
  return r;
}

std::vector<double> InputChannelRanges(const DeployLayer& b, size_t channels) {
  std::vector<double> r(channels, 0.0);
  for (size_t k = 0; k < b.weights.size(); ++k) {
    double& m = r[convert::WeightInputChannel(b, k, channels)];
    m = std::max(m, static_cast<double>(std::fabs(b.weights[k])));
  }
  return r;
}

// Equalizes one pair; returns the largest |s - 1| applied.
double EqualizePair(DeployLayer& a, DeployLayer& b) {
  const size_t channels = static_cast<size_t>(a.out_channels());
  const std::vector<double> ra = OutputChannelRanges(a), rb = InputChannelRanges(b, channels);
  std::vector<double> s(channels, 1.0);
  double moved = 0.0;
  for (size_t c = 0; c < channels; ++c) {
    if (ra[c] > 0.0 && rb[c] > 0.0) s[c] = std::sqrt(ra[c] / rb[c]);
    moved = std::max(moved, std::fabs(s[c] - 1.0));
  }
  for (size_t k = 0; k < a.weights.size(); ++k) a.weights[k] = static_cast<float>(a.weights[k] / s[convert::WeightChannel(a, k)]);
  for (size_t c = 0; c < channels; ++c) a.bias[c] = static_cast<float>(a.bias[c] / s[c]);
  for (size_t k = 0; k < b.weights.size(); ++k)
    b.weights[k] = static_cast<float>(b.weights[k] * s[convert::WeightInputChannel(b, k, channels)]);
  return moved;
}

}  // namespace

EqualizeReport EqualizeCrossLayer(DeployGraph* graph, const EqualizeOptions& options) {
  EqualizeReport report;
  const std::vector<Pair> pairs = FindPairs(*graph);
  report.pairs = static_cast<int>(pairs.size());
  for (const Pair& p : pairs) {
    FusedActivation& act = graph->layers[p.a].activation;
    if (act == FusedActivation::kRelu6) {
      act = FusedActivation::kRelu;
      ++report.relu6_replaced;
    }
  }
  for (report.sweeps = 0; report.sweeps < options.max_sweeps && !pairs.empty();) {
    double moved = 0.0;
    for (const Pair& p : pairs) moved = std::max(moved, EqualizePair(graph->layers[p.a], graph->layers[p.b]));
    ++report.sweeps;
    if (moved < options.tolerance) break;
  }
  return report;
}

int AbsorbBiases(const std::vector<std::vector<float>>& channel_lows, DeployGraph* graph) {
  int absorbed = 0;
  for (const Pair& p : FindPairs(*graph)) {
    DeployLayer &a = graph->layers[p.a], &b = graph->layers[p.b];
    const bool padded = std::any_of(b.pads.begin(), b.pads.end(), [](int pad) { return pad != 0; });
    if (a.activation != FusedActivation::kRelu || padded) continue;
    const std::vector<float>& lows = channel_lows[a.output];
    const size_t channels = static_cast<size_t>(a.out_channels());
    std::vector<double> shift(channels, 0.0);
    for (size_t c = 0; c < channels; ++c) {
      shift[c] = std::max(0.0f, lows[c]);
      absorbed += shift[c] > 0.0;
      a.bias[c] = static_cast<float>(a.bias[c] - shift[c]);
    }
    std::vector<double> gained(b.out_channels(), 0.0);
    for (size_t k = 0; k < b.weights.size(); ++k)
      gained[convert::WeightChannel(b, k)] += b.weights[k] * shift[convert::WeightInputChannel(b, k, channels)];
    for (size_t o = 0; o < gained.size(); ++o) b.bias[o] = static_cast<float>(b.bias[o] + gained[o]);
  }
  return absorbed;
}

}  // namespace qforge::quant
