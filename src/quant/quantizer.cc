// Quantizer support: grids from ranges, fake quantization, the straight-through gradient, and
// the quantizer type registry.
#include "quant/quantizer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include "quant/quantizers.h"

namespace qforge::quant {

nlohmann::json QuantSpec::ToJson() const {
  return {{"bits", bits}, {"symmetric", symmetric}, {"narrow", narrow}, {"per_channel", per_channel}};
}

StatusOr<QuantSpec> QuantSpec::FromJson(const nlohmann::json& j) {
  QuantSpec s;
  if (!j.is_object()) return InvalidArgument("a quantization spec must be an object");
  s.bits = j.value("bits", 8);
  s.symmetric = j.value("symmetric", false);
  s.narrow = j.value("narrow", false);
  s.per_channel = j.value("per_channel", false);
  if (s.bits < 2 || s.bits > 16) return InvalidArgument("bits must be in 2..16, not {}", s.bits);
  return s;
}

Grid GridFromRanges(const QuantSpec& spec, const std::vector<float>& lo, const std::vector<float>& hi) {
  Grid g;
  g.qmin = spec.qmin();
  g.qmax = spec.qmax();
  for (size_t c = 0; c < lo.size(); ++c) {
    const convert::GridParams p = spec.symmetric
                                      ? convert::SymmetricGrid(std::max(-std::min(lo[c], 0.0f), std::max(hi[c], 0.0f)), g.qmax)
                                      : convert::AsymmetricGrid(lo[c], hi[c], g.qmin, g.qmax);
    g.scale.push_back(p.scale);
    g.zero_point.push_back(p.zero_point);
  }
  return g;
}

int64_t Channels(const QuantSpec& spec, const Tensor& x) {
  return spec.per_channel && x.rank() > 0 ? x.shape()[0] : 1;
}

namespace {

// Calls f(channel, first, end) for each channel's contiguous block of x (dimension 0 major).
template <typename F>
void ForEachChannel(const Tensor& x, size_t channels, F&& f) {
  const int64_t inner = channels > 1 ? x.size() / static_cast<int64_t>(channels) : x.size();
  for (size_t c = 0; c < channels; ++c) f(c, static_cast<int64_t>(c) * inner, static_cast<int64_t>(c + 1) * inner);
}

}  // namespace

void FakeQuantize(const Tensor& x, const Grid& g, Tensor& y) {
  const float* in = x.data();
  float* out = y.data();
  ForEachChannel(x, g.scale.size(), [&](size_t c, int64_t first, int64_t end) {
    const float s = g.scale[c], zp = static_cast<float>(g.zero_point[c]);
    const float lo = static_cast<float>(g.qmin), hi = static_cast<float>(g.qmax);
    for (int64_t i = first; i < end; ++i) out[i] = (std::clamp(std::round(in[i] / s) + zp, lo, hi) - zp) * s;
  });
}

void StraightThrough(const Tensor& x, const Grid& g, const Tensor& dy, Tensor& dx) {
  const float *in = x.data(), *gy = dy.data();
  float* gx = dx.data();
  ForEachChannel(x, g.scale.size(), [&](size_t c, int64_t first, int64_t end) {
    const float s = g.scale[c], zp = static_cast<float>(g.zero_point[c]);
    const float lo = static_cast<float>(g.qmin), hi = static_cast<float>(g.qmax);
    for (int64_t i = first; i < end; ++i) {
      const float v = std::round(in[i] / s) + zp;
      gx[i] = v >= lo && v <= hi ? gy[i] : 0.0f;
    }
  });
}

void ChannelMinMax(const QuantSpec& spec, const Tensor& x, std::vector<float>* lo, std::vector<float>* hi) {
  const auto channels = static_cast<size_t>(Channels(spec, x));
  lo->assign(channels, 0.0f);
  hi->assign(channels, 0.0f);
  ForEachChannel(x, channels, [&](size_t c, int64_t first, int64_t end) {
    if (first == end) return;
    const auto [mn, mx] = std::minmax_element(x.data() + first, x.data() + end);
    (*lo)[c] = *mn;
    (*hi)[c] = *mx;
  });
}

namespace {

std::map<std::string, QuantizerFactory, std::less<>>& Factories() {
  static std::map<std::string, QuantizerFactory, std::less<>> factories = BuiltInQuantizers();
  return factories;
}

std::mutex& FactoriesMutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

StatusOr<std::unique_ptr<Quantizer>> CreateQuantizer(std::string_view type, const nlohmann::json& attrs) {
  QuantizerFactory factory = nullptr;
  {
    std::lock_guard<std::mutex> lock(FactoriesMutex());
    auto it = Factories().find(type);
    if (it == Factories().end()) return NotFound("unknown quantizer '{}'", type);
    factory = it->second;
  }
  if (!attrs.is_object()) return InvalidArgument("attributes of quantizer '{}' must be an object", type);
  try {
    QF_ASSIGN_OR_RETURN(const QuantSpec spec, QuantSpec::FromJson(attrs.value("spec", nlohmann::json::object())));
    return factory(spec, attrs);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("bad attributes for quantizer '{}': {}", type, e.what());
  }
}

Status RegisterQuantizer(const std::string& type, QuantizerFactory factory) {
  std::lock_guard<std::mutex> lock(FactoriesMutex());
  auto [it, inserted] = Factories().emplace(type, factory);
  if (!inserted && it->second != factory) return InvalidArgument("quantizer '{}' is already registered", type);
  return Status::Ok();
}

}  // namespace qforge::quant
