// Quantizer support: grids from ranges, fake quantization, the straight-through gradient, and
// the quantizer type registry.
#include "quant/quantizer.h"

#include <algorithm>
#include <cmath>

#include "core/registry.h"
#include "core/simd_clones.h"
#include "quant/quantizers.h"
#include "runtime/quant_math.h"

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
    const runtime::GridParams p = spec.symmetric
                                      ? runtime::SymmetricGrid(lo[c], hi[c], g.qmax)
                                      : runtime::AsymmetricGrid(lo[c], hi[c], g.qmin, g.qmax);
    g.scale.push_back(p.scale);
    g.zero_point.push_back(p.zero_point);
  }
  return g;
}

int64_t Channels(const QuantSpec& spec, const Tensor& x) {
  return spec.per_channel && x.rank() > 0 ? x.shape()[0] : 1;
}

namespace {

// round(x / s) + zp for one element, as a float level clamped into [qmin - 1, qmax + 1] (still
// telling inside from outside). Rounding is the runtime's RoundHalfAwayBranchFree, so the loops
// vectorize; v is clamped first, as it requires.
struct Leveler {
  float s, zp, lo, hi;  // lo/hi: the levels' bounds widened by one, relative to the zero point
  Leveler(float scale, int32_t zero_point, int32_t qmin, int32_t qmax)
      : s(scale), zp(static_cast<float>(zero_point)), lo(static_cast<float>(qmin) - 1.0f - zp),
        hi(static_cast<float>(qmax) + 1.0f - zp) {}
  float operator()(float x) const {
    float v = x / s;
    v = v > lo ? v : lo;  // NaN -> lo
    v = v < hi ? v : hi;
    return runtime::RoundHalfAwayBranchFree(v) + zp;
  }
};

constexpr int64_t kParallelElements = 32768;
constexpr int64_t kChunk = 16384;  // elements per parallel block of a one-channel tensor

// Runs block(channel, first, end) over x's channels (dimension 0 when several): in parallel
// over channels, or over chunks of kChunk elements of the one channel, when x is large.
template <typename Block>
void ForEachBlock(const Tensor& x, size_t channels, Block&& block) {
  const int64_t n = x.size();
  if (channels > 1) {
    const int64_t inner = n / static_cast<int64_t>(channels);
#pragma omp parallel for if (n > kParallelElements)
    for (int64_t c = 0; c < static_cast<int64_t>(channels); ++c) block(static_cast<size_t>(c), c * inner, (c + 1) * inner);
    return;
  }
#pragma omp parallel for if (n > kParallelElements)
  for (int64_t first = 0; first < n; first += kChunk) block(0, first, std::min(n, first + kChunk));
}

QF_SIMD_CLONES void FakeQuantizeRun(const float* __restrict x, float* __restrict y, uint8_t* __restrict inside, int64_t n,
                     Leveler level, float qmin, float qmax) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float raw = level(x[i]);
    float q = raw > qmin ? raw : qmin;
    q = q < qmax ? q : qmax;
    y[i] = (q - level.zp) * level.s;
    if (inside) inside[i] = static_cast<uint8_t>(raw == q);
  }
}

QF_SIMD_CLONES void StraightThroughRun(const float* __restrict x, const float* __restrict dy, float* __restrict dx, int64_t n,
                        Leveler level, float qmin, float qmax) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float q = level(x[i]);
    const float g = dy[i];  // loaded unconditionally: the select below vectorizes
    dx[i] = ((q >= qmin) & (q <= qmax)) ? g : 0.0f;
  }
}

// dx (may be null) and the returned sum of dy * d(fake quant)/ds over one run.
QF_SIMD_CLONES float StraightThroughAndScaleRun(const float* __restrict x, const float* __restrict dy,
                                                float* __restrict dx, int64_t n, Leveler level, float qmin,
                                                float qmax) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) {
    const float q = level(x[i]);
    const float g = dy[i];
    const float d = q < qmin ? qmin - level.zp : (q > qmax ? qmax - level.zp : (q - level.zp) - x[i] / level.s);
    sum += g * d;
    if (dx) dx[i] = ((q >= qmin) & (q <= qmax)) ? g : 0.0f;
  }
  return sum;
}

}  // namespace

void FakeQuantize(const Tensor& x, const Grid& g, Tensor& y, std::vector<uint8_t>* inside) {
  if (inside) inside->resize(static_cast<size_t>(x.size()));
  uint8_t* mask = inside ? inside->data() : nullptr;
  ForEachBlock(x, g.scale.size(), [&](size_t c, int64_t first, int64_t end) {
    FakeQuantizeRun(x.data() + first, y.data() + first, mask ? mask + first : nullptr, end - first,
                    Leveler(g.scale[c], g.zero_point[c], g.qmin, g.qmax), static_cast<float>(g.qmin),
                    static_cast<float>(g.qmax));
  });
}

QF_SIMD_CLONES void MaskedGradient(const std::vector<uint8_t>& inside, const Tensor& dy, Tensor& dx) {
  const uint8_t* __restrict m = inside.data();
  const float* __restrict g = dy.data();
  float* __restrict out = dx.data();
  const int64_t n = dy.size();
#pragma omp parallel for simd if (n > kParallelElements)
  for (int64_t i = 0; i < n; ++i) out[i] = m[i] ? g[i] : 0.0f;
}

void StraightThrough(const Tensor& x, const Grid& g, const Tensor& dy, Tensor& dx) {
  ForEachBlock(x, g.scale.size(), [&](size_t c, int64_t first, int64_t end) {
    StraightThroughRun(x.data() + first, dy.data() + first, dx.data() + first, end - first,
                       Leveler(g.scale[c], g.zero_point[c], g.qmin, g.qmax), static_cast<float>(g.qmin),
                       static_cast<float>(g.qmax));
  });
}

void StraightThroughAndScaleGradient(const Tensor& x, const Grid& g, const Tensor& dy, Tensor* dx,
                                     std::vector<double>* step_grad) {
  const size_t channels = g.scale.size();
  // One partial sum per block (a channel, or a chunk of the one channel), added in order.
  std::vector<float> partial(channels > 1 ? channels : static_cast<size_t>((x.size() + kChunk - 1) / kChunk), 0.0f);
  ForEachBlock(x, channels, [&](size_t c, int64_t first, int64_t end) {
    partial[channels > 1 ? c : static_cast<size_t>(first / kChunk)] = StraightThroughAndScaleRun(
        x.data() + first, dy.data() + first, dx ? dx->data() + first : nullptr, end - first,
        Leveler(g.scale[c], g.zero_point[c], g.qmin, g.qmax), static_cast<float>(g.qmin), static_cast<float>(g.qmax));
  });
  step_grad->assign(channels, 0.0);
  for (size_t b = 0; b < partial.size(); ++b) (*step_grad)[channels > 1 ? b : 0] += partial[b];
}

namespace {

// Minimum and maximum of x[0..n), vectorized; no parallel region inside (callers choose).
QF_SIMD_CLONES void MinMaxRun(const float* __restrict x, int64_t n, float* lo, float* hi) {
  float mn = x[0], mx = x[0];
#pragma omp simd reduction(min : mn) reduction(max : mx)
  for (int64_t i = 0; i < n; ++i) {
    mn = x[i] < mn ? x[i] : mn;
    mx = x[i] > mx ? x[i] : mx;
  }
  *lo = mn;
  *hi = mx;
}

}  // namespace

void ChannelMinMax(const QuantSpec& spec, const Tensor& x, std::vector<float>* lo, std::vector<float>* hi) {
  const auto channels = static_cast<size_t>(Channels(spec, x));
  lo->assign(channels, 0.0f);
  hi->assign(channels, 0.0f);
  if (x.size() == 0) return;
  if (channels > 1) {
    ForEachBlock(x, channels, [&](size_t c, int64_t first, int64_t end) {
      MinMaxRun(x.data() + first, end - first, &(*lo)[c], &(*hi)[c]);
    });
    return;
  }
  // One channel: per-chunk results, then their extremes.
  constexpr int64_t kChunk = 16384;
  const int64_t chunks = (x.size() + kChunk - 1) / kChunk;
  std::vector<float> chunk_lo(chunks), chunk_hi(chunks);
#pragma omp parallel for if (x.size() > kParallelElements)
  for (int64_t k = 0; k < chunks; ++k)
    MinMaxRun(x.data() + k * kChunk, std::min(kChunk, x.size() - k * kChunk), &chunk_lo[k], &chunk_hi[k]);
  (*lo)[0] = *std::min_element(chunk_lo.begin(), chunk_lo.end());
  (*hi)[0] = *std::max_element(chunk_hi.begin(), chunk_hi.end());
}

namespace {

Registry<QuantizerFactory>& Quantizers() {
  static Registry<QuantizerFactory> registry("quantizer", BuiltInQuantizers());
  return registry;
}

}  // namespace

StatusOr<std::unique_ptr<Quantizer>> CreateQuantizer(std::string_view type, const nlohmann::json& attrs) {
  QF_ASSIGN_OR_RETURN(const QuantizerFactory factory, Quantizers().Find(type));
  if (!attrs.is_object()) return InvalidArgument("attributes of quantizer '{}' must be an object", type);
  try {
    QF_ASSIGN_OR_RETURN(const QuantSpec spec, QuantSpec::FromJson(attrs.value("spec", nlohmann::json::object())));
    return factory(spec, attrs);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("bad attributes for quantizer '{}': {}", type, e.what());
  }
}

Status RegisterQuantizer(const std::string& type, QuantizerFactory factory) {
  return Quantizers().Add(type, factory);
}

std::vector<std::string> QuantizerTypes() { return Quantizers().Names(); }

}  // namespace qforge::quant
