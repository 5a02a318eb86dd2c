// Dead channels: found forward, made consistent along pass-through layers, then cut out.
#include "convert/channel_removal.h"

#include <algorithm>

namespace qforge::convert {
namespace {

bool PassesThrough(const DeployLayer& l) {
  switch (l.kind) {
    case LayerKind::kMaxPool:
    case LayerKind::kAvgPool:
    case LayerKind::kMean:
    case LayerKind::kFlatten: return true;
    case LayerKind::kUnary: return l.keeps_zero;
    case LayerKind::kDepthwise: return l.depth_multiplier == 1;
    default: return false;
  }
}

int Channels(const DeployGraph& g, int v) { return g.values[v].shape.back(); }

// Output channel `u_c` of a pass-through layer reads input channel MapBack(u_c).
int MapBack(const DeployGraph& g, const DeployLayer& l, int u_c) {
  return l.kind == LayerKind::kFlatten ? u_c % Channels(g, l.inputs[0]) : u_c;
}

// Whether output channel c of a conv/depthwise/dense layer has only zero weights.
bool ZeroFilter(const DeployLayer& l, int c) {
  const int oc = l.out_channels();
  const size_t per = l.weights.size() / oc;
  for (size_t k = 0; k < per; ++k)
    if (l.weights[l.kind == LayerKind::kDepthwise ? k * oc + c : c * per + k] != 0.0f) return false;
  return true;
}

std::vector<std::vector<bool>> FindDead(const DeployGraph& g) {
  std::vector<std::vector<bool>> dead(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) dead[v].assign(Channels(g, static_cast<int>(v)), false);
  for (const DeployLayer& l : g.layers) {
    std::vector<bool>& out = dead[l.output];
    if (l.kind == LayerKind::kConv || l.kind == LayerKind::kDense) {
      for (int c = 0; c < l.out_channels(); ++c) out[c] = l.bias[c] == 0.0f && ZeroFilter(l, c);
    } else if (l.kind == LayerKind::kDepthwise) {
      const std::vector<bool>& in = dead[l.inputs[0]];
      for (int c = 0; c < l.out_channels(); ++c)
        out[c] = l.bias[c] == 0.0f && (in[c / l.depth_multiplier] || ZeroFilter(l, c));
    } else if (PassesThrough(l)) {
      for (size_t c = 0; c < out.size(); ++c) out[c] = dead[l.inputs[0]][MapBack(g, l, static_cast<int>(c))];
    }
  }
  return dead;
}

// Narrows `dead` to the channels that can go everywhere they appear.
std::vector<std::vector<bool>> Removable(const DeployGraph& g, std::vector<std::vector<bool>> rem) {
  for (std::vector<bool>& r : rem)  // a value keeps at least one channel
    if (!r.empty() && std::all_of(r.begin(), r.end(), [](bool b) { return b; })) r[0] = false;
  std::fill(rem[g.input].begin(), rem[g.input].end(), false);
  std::fill(rem[g.output].begin(), rem[g.output].end(), false);
  for (const DeployLayer& l : g.layers) {
    // A grouped convolution's channels stay: removing some would unbalance its groups.
    const bool grouped = l.kind == LayerKind::kConv && l.groups != 1;
    const bool reads_channels =
        (l.kind == LayerKind::kConv && !grouped) || l.kind == LayerKind::kDense || PassesThrough(l);
    if (!reads_channels)
      for (int in : l.inputs) std::fill(rem[in].begin(), rem[in].end(), false);
    if ((l.kind == LayerKind::kDepthwise && l.depth_multiplier != 1) || grouped)
      std::fill(rem[l.output].begin(), rem[l.output].end(), false);
  }
  for (bool changed = true; changed;) {  // both sides of a pass-through layer must agree
    changed = false;
    for (const DeployLayer& l : g.layers) {
      if (!PassesThrough(l)) continue;
      std::vector<bool>& in = rem[l.inputs[0]];
      std::vector<bool>& out = rem[l.output];
      std::vector<bool> in_ok(in.size(), true);
      for (size_t c = 0; c < out.size(); ++c) {
        const int from = MapBack(g, l, static_cast<int>(c));
        if (!out[c]) in_ok[from] = false;
        if (out[c] && !in[from]) out[c] = false, changed = true;
      }
      for (size_t c = 0; c < in.size(); ++c)
        if (in[c] && !in_ok[c]) in[c] = false, changed = true;
    }
  }
  return rem;
}

std::vector<int> Kept(const std::vector<bool>& removed) {
  std::vector<int> kept;
  for (size_t c = 0; c < removed.size(); ++c)
    if (!removed[c]) kept.push_back(static_cast<int>(c));
  return kept;
}

template <typename T>
std::vector<T> Pick(const std::vector<T>& v, const std::vector<int>& at) {
  if (v.empty()) return v;
  std::vector<T> out;
  for (int i : at) out.push_back(v[i]);
  return out;
}

// Cuts the removed channels out of a weighted layer: outputs `out`, inputs `in` (kept indices).
void Shrink(DeployLayer& l, const std::vector<int>& in, const std::vector<int>& out) {
  const std::vector<int> s = l.weight_shape;
  std::vector<float> w;
  if (l.kind == LayerKind::kDepthwise) {  // [1, kh, kw, oc]
    for (int t = 0; t < s[1] * s[2]; ++t)
      for (int c : out) w.push_back(l.weights[static_cast<size_t>(t) * s[3] + c]);
    l.weight_shape = {1, s[1], s[2], static_cast<int>(out.size())};
  } else {  // conv [oc, kh, kw, ic], dense [out, in]
    const int taps = l.kind == LayerKind::kConv ? s[1] * s[2] : 1, ic = s.back();
    for (int o : out)
      for (int t = 0; t < taps; ++t)
        for (int c : in) w.push_back(l.weights[(static_cast<size_t>(o) * taps + t) * ic + c]);
    l.weight_shape = l.kind == LayerKind::kConv ? std::vector<int>{static_cast<int>(out.size()), s[1], s[2], static_cast<int>(in.size())}
                                                : std::vector<int>{static_cast<int>(out.size()), static_cast<int>(in.size())};
  }
  l.weights = std::move(w);
  l.bias = Pick(l.bias, out);
  l.folded_scale = Pick(l.folded_scale, out);
}

}  // namespace

ChannelRemoval RemoveDeadChannels(DeployGraph* graph) {
  DeployGraph& g = *graph;
  const std::vector<std::vector<bool>> rem = Removable(g, FindDead(g));
  ChannelRemoval result;
  for (DeployLayer& l : g.layers) {
    const std::vector<int> out = Kept(rem[l.output]);
    if (!l.has_weights()) continue;
    const std::vector<int> in = Kept(rem[l.inputs[0]]);
    if (out.size() == rem[l.output].size() && in.size() == rem[l.inputs[0]].size()) continue;
    if (out.size() != rem[l.output].size()) {
      result.kept[l.name] = out;
      result.removed += static_cast<int>(rem[l.output].size() - out.size());
    }
    Shrink(l, in, out);
  }
  for (size_t v = 0; v < g.values.size(); ++v) g.values[v].shape.back() = static_cast<int>(Kept(rem[v]).size());
  return result;
}

}  // namespace qforge::convert
