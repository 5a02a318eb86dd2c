// The built-in quantizers: range trackers (minmax, ema, allminmax, fixed) and learned ones
// (LSQ, PACT).
#include "quant/quantizers.h"

#include <algorithm>
#include <cmath>

#include "core/simd_clones.h"

namespace qforge::quant {

void RangeQuantizer::Forward(bool training, const Tensor& x, const std::vector<Tensor*>& params, Tensor& y) {
  if (training) Observe(x, params);
  std::vector<float> lo, hi;
  if (!Range(&x, params, &lo, &hi).ok()) ChannelMinMax(spec(), x, &lo, &hi);
  grid_ = GridFromRanges(spec(), lo, hi);
  FakeQuantize(x, grid_, y, &inside_);
}

void RangeQuantizer::Backward(const Tensor& x, const std::vector<Tensor*>&, const Tensor& dy, Tensor* dx,
                              const std::vector<Tensor*>&) {
  if (dx) MaskedGradient(inside_, dy, *dx);
}

StatusOr<Grid> RangeQuantizer::CurrentGrid(const Tensor* x, const std::vector<Tensor*>& params) const {
  std::vector<float> lo, hi;
  QF_RETURN_IF_ERROR(Range(x, params, &lo, &hi));
  return GridFromRanges(spec(), lo, hi);
}

namespace {

// Per-channel count for a parameter: x's first dimension when per channel.
Shape ChannelShape(const QuantSpec& spec, const Shape& x) { return {spec.per_channel && !x.empty() ? x[0] : 1}; }

// The range of the current value (weights).
class MinMaxQuantizer : public RangeQuantizer {
 public:
  using RangeQuantizer::RangeQuantizer;
  std::string_view type() const override { return "minmax"; }
  std::vector<QuantizerParam> Params(const Shape&) const override { return {}; }

 protected:
  Status Range(const Tensor* x, const std::vector<Tensor*>&, std::vector<float>* lo, std::vector<float>* hi) const override {
    if (!x) return InvalidArgument("the minmax quantizer's range is its input's, which was not given");
    ChannelMinMax(spec(), *x, lo, hi);
    return Status::Ok();
  }
};

// Running min/max: a moving average of batch ranges (decay), or the extremes of all batches.
// State: min, max (per channel) and an "initialized" flag; the first training batch sets them.
class TrackingQuantizer : public RangeQuantizer {
 public:
  TrackingQuantizer(QuantSpec spec, bool moving_average, float decay)
      : RangeQuantizer(spec), moving_average_(moving_average), decay_(decay) {}
  std::string_view type() const override { return moving_average_ ? "ema" : "allminmax"; }
  nlohmann::json attrs() const override {
    nlohmann::json j = RangeQuantizer::attrs();
    if (moving_average_) j["decay"] = decay_;
    return j;
  }
  std::vector<QuantizerParam> Params(const Shape& x) const override {
    return {{"min", ChannelShape(spec(), x), 0.0f, false},
            {"max", ChannelShape(spec(), x), 0.0f, false},
            {"initialized", {1}, 0.0f, false}};
  }

 protected:
  void Observe(const Tensor& x, const std::vector<Tensor*>& p) override {
    std::vector<float> lo, hi;
    ChannelMinMax(spec(), x, &lo, &hi);
    if (replicas()) {  // the global batch's range
      replicas()->Min(lo.data(), static_cast<int64_t>(lo.size()));
      replicas()->Max(hi.data(), static_cast<int64_t>(hi.size()));
    }
    float *mn = p[0]->data(), *mx = p[1]->data(), &initialized = p[2]->data()[0];
    for (size_t c = 0; c < lo.size(); ++c) {
      if (initialized == 0.0f) {
        mn[c] = lo[c], mx[c] = hi[c];
      } else if (moving_average_) {
        mn[c] = decay_ * mn[c] + (1.0f - decay_) * lo[c];
        mx[c] = decay_ * mx[c] + (1.0f - decay_) * hi[c];
      } else {
        mn[c] = std::min(mn[c], lo[c]), mx[c] = std::max(mx[c], hi[c]);
      }
    }
    initialized = 1.0f;
  }
  Status Range(const Tensor*, const std::vector<Tensor*>& p, std::vector<float>* lo, std::vector<float>* hi) const override {
    if (p[2]->data()[0] == 0.0f) return Status(StatusCode::kFailedPrecondition, "no range observed yet");
    lo->assign(p[0]->data(), p[0]->data() + p[0]->size());
    hi->assign(p[1]->data(), p[1]->data() + p[1]->size());
    return Status::Ok();
  }

 private:
  bool moving_average_;
  float decay_;
};

class FixedQuantizer : public RangeQuantizer {
 public:
  FixedQuantizer(QuantSpec spec, float lo, float hi) : RangeQuantizer(spec), lo_(lo), hi_(hi) {}
  std::string_view type() const override { return "fixed"; }
  nlohmann::json attrs() const override {
    nlohmann::json j = RangeQuantizer::attrs();
    j["min"] = lo_;
    j["max"] = hi_;
    return j;
  }
  std::vector<QuantizerParam> Params(const Shape&) const override { return {}; }

 protected:
  Status Range(const Tensor*, const std::vector<Tensor*>&, std::vector<float>* lo, std::vector<float>* hi) const override {
    lo->assign(1, lo_);
    hi->assign(1, hi_);
    return Status::Ok();
  }

 private:
  float lo_, hi_;
};

// LSQ (Esser et al. 2020): the step size s is learned. Grid: zero point 0 when symmetric,
// otherwise qmin (a non-negative range [0, (qmax - qmin) s], for activations after ReLU).
// Initialized from the first training batch: s = 2 mean|x| / sqrt(Q) (Q = qmax, or qmax - qmin
// unsigned). Gradient of s per element: round(x/s) - x/s inside the range, the clipped level
// minus the zero point outside, scaled by 1 / sqrt(N Q) (N: elements per channel, per sample
// for activations).
class LsqQuantizer : public Quantizer {
 public:
  LsqQuantizer(QuantSpec spec, bool activation) : Quantizer(spec), activation_(activation) {}
  std::string_view type() const override { return "lsq"; }
  nlohmann::json attrs() const override {
    nlohmann::json j = Quantizer::attrs();
    j["activation"] = activation_;
    return j;
  }
  std::vector<QuantizerParam> Params(const Shape& x) const override {
    return {{"step", ChannelShape(spec(), x), 1.0f, true}, {"initialized", {1}, 0.0f, false}};
  }

  void Forward(bool training, const Tensor& x, const std::vector<Tensor*>& p, Tensor& y) override {
    float* step = p[0]->data();
    const auto channels = static_cast<size_t>(p[0]->size());
    if (training && p[1]->data()[0] == 0.0f) {
      const int64_t inner = x.size() / static_cast<int64_t>(channels);
      std::vector<double> sums(channels + 1);  // sum |x| per channel, then the count per channel
      for (size_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < inner; ++i) sums[c] += std::fabs(x.data()[c * inner + i]);
      sums[channels] = static_cast<double>(inner);
      if (replicas()) replicas()->Sum(sums.data(), static_cast<int64_t>(sums.size()));  // over the global batch
      for (size_t c = 0; c < channels; ++c) {
        step[c] = static_cast<float>(2.0 * sums[c] / std::max(sums[channels], 1.0) / std::sqrt(Levels()));
        if (!(step[c] > 0.0f)) step[c] = 1e-3f;
      }
      p[1]->data()[0] = 1.0f;
    }
    grid_ = GridOf(*p[0]);
    FakeQuantize(x, grid_, y);
  }

  void Backward(const Tensor& x, const std::vector<Tensor*>& p, const Tensor& dy, Tensor* dx,
                const std::vector<Tensor*>& dparams) override {
    if (dparams.empty() || !dparams[0]) {
      if (dx) StraightThrough(x, grid_, dy, *dx);
      return;
    }
    StraightThroughAndScaleGradient(x, grid_, dy, dx, &step_grad_);
    const auto channels = static_cast<int64_t>(p[0]->size());
    const int64_t inner = x.size() / channels;
    const int64_t n = activation_ && x.rank() > 1 ? inner / x.shape()[0] : inner;
    const double g = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(n, 1)) * Levels());
    for (int64_t c = 0; c < channels; ++c) dparams[0]->data()[c] = static_cast<float>(step_grad_[c] * g);
  }

  StatusOr<Grid> CurrentGrid(const Tensor*, const std::vector<Tensor*>& p) const override { return GridOf(*p[0]); }

 private:
  double Levels() const { return spec().symmetric ? spec().qmax() : spec().qmax() - spec().qmin(); }
  Grid GridOf(const Tensor& step) const {
    Grid g;
    g.qmin = spec().qmin();
    g.qmax = spec().qmax();
    for (int64_t c = 0; c < step.size(); ++c) {
      g.scale.push_back(std::max(step.data()[c], 1e-8f));
      g.zero_point.push_back(spec().symmetric ? 0 : g.qmin);
    }
    return g;
  }

  bool activation_;
  Grid grid_;
  std::vector<double> step_grad_;
};

// PACT's gradients: dx = dy where 0 <= x < alpha (dx may be null); returns d/dalpha = the sum
// of dy where x >= alpha.
QF_SIMD_CLONES float PactGradients(const float* __restrict x, const float* __restrict dy, float* __restrict dx,
                                   int64_t n, float alpha) {
  float dalpha = 0.0f;
#pragma omp parallel for simd reduction(+ : dalpha) schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i], g = dy[i];
    if (dx) dx[i] = (v >= 0.0f) & (v < alpha) ? g : 0.0f;
    dalpha += v >= alpha ? g : 0.0f;
  }
  return dalpha;
}

// PACT (Choi et al. 2018): activations clipped to [0, alpha] with alpha learned; the grid is
// the unsigned one over [0, alpha]. d/dalpha = 1 where x >= alpha, else 0; dx passes inside.
class PactQuantizer : public Quantizer {
 public:
  PactQuantizer(QuantSpec spec, float alpha) : Quantizer(spec), alpha_init_(alpha) {}
  std::string_view type() const override { return "pact"; }
  nlohmann::json attrs() const override {
    nlohmann::json j = Quantizer::attrs();
    j["alpha"] = alpha_init_;
    return j;
  }
  std::vector<QuantizerParam> Params(const Shape&) const override { return {{"alpha", {1}, alpha_init_, true}}; }

  void Forward(bool, const Tensor& x, const std::vector<Tensor*>& p, Tensor& y) override {
    grid_ = GridOf(p[0]->data()[0]);
    FakeQuantize(x, grid_, y);
  }

  void Backward(const Tensor& x, const std::vector<Tensor*>& p, const Tensor& dy, Tensor* dx,
                const std::vector<Tensor*>& dparams) override {
    const float dalpha = PactGradients(x.data(), dy.data(), dx ? dx->data() : nullptr, x.size(), p[0]->data()[0]);
    if (!dparams.empty() && dparams[0]) dparams[0]->data()[0] = dalpha;
  }

  StatusOr<Grid> CurrentGrid(const Tensor*, const std::vector<Tensor*>& p) const override { return GridOf(p[0]->data()[0]); }

 private:
  Grid GridOf(float alpha) const {
    const runtime::GridParams g = runtime::AsymmetricGrid(0.0f, std::max(alpha, 1e-6f), spec().qmin(), spec().qmax());
    return Grid{{g.scale}, {g.zero_point}, spec().qmin(), spec().qmax()};
  }

  float alpha_init_;
  Grid grid_;
};

using Made = StatusOr<std::unique_ptr<Quantizer>>;

template <typename T, typename... Args>
Made Make(Args&&... args) {
  return std::unique_ptr<Quantizer>(new T(std::forward<Args>(args)...));
}

}  // namespace

std::map<std::string, QuantizerFactory, std::less<>> BuiltInQuantizers() {
  return {
      {"minmax", [](const QuantSpec& s, const nlohmann::json&) -> Made { return Make<MinMaxQuantizer>(s); }},
      {"ema",
       [](const QuantSpec& s, const nlohmann::json& a) -> Made {
         const float decay = a.value("decay", 0.99f);
         if (!(decay >= 0.0f && decay < 1.0f)) return InvalidArgument("ema decay must be in [0, 1), not {}", decay);
         return Make<TrackingQuantizer>(s, true, decay);
       }},
      {"allminmax",
       [](const QuantSpec& s, const nlohmann::json&) -> Made { return Make<TrackingQuantizer>(s, false, 0.0f); }},
      {"fixed",
       [](const QuantSpec& s, const nlohmann::json& a) -> Made {
         const float lo = a.at("min").get<float>(), hi = a.at("max").get<float>();
         if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo)) return InvalidArgument("fixed range needs min < max");
         return Make<FixedQuantizer>(s, lo, hi);
       }},
      {"lsq",
       [](const QuantSpec& s, const nlohmann::json& a) -> Made {
         if (s.per_channel && a.value("activation", false)) return InvalidArgument("lsq activations are per tensor");
         return Make<LsqQuantizer>(s, a.value("activation", false));
       }},
      {"pact",
       [](const QuantSpec& s, const nlohmann::json& a) -> Made {
         const float alpha = a.value("alpha", 6.0f);
         if (!(alpha > 0.0f) || !std::isfinite(alpha)) return InvalidArgument("pact alpha must be positive");
         if (s.symmetric || s.per_channel) return InvalidArgument("pact quantizes activations: asymmetric, per tensor");
         return Make<PactQuantizer>(s, alpha);
       }},
  };
}

}  // namespace qforge::quant
