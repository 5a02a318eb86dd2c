// An independent check of the int8 interpreter: random small graphs (convolutions, depthwise,
// pooling, add, concatenation, hard-swish, mean, reshape, dense, softmax) are built with random
// geometry and quantization, run by the interpreter, and simulated here op by op from the
// formulas of NUMERICS.md — real numbers in long double, rounding written as its mathematical
// definition (floor(x + 1/2) for the doubling high multiply, round-half-away for the power-of-two
// division), without the runtime's kernels or fixed-point helpers. The int8 outputs must be
// equal, byte for byte, on 1 and 3 threads. Invoke must not allocate (counted with a replaced
// operator new).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "runtime/allocation_counter.h"
#include "runtime/interpreter.h"
#include "runtime/model/model_writer.h"

namespace qforge::runtime {
namespace {

using qfm::DType;
using qfm::OpType;

// A quantized NHWC (or [N, C]) tensor of the simulation.
struct Sim {
  std::vector<int> shape;
  std::vector<int32_t> q;
  double scale = 1.0;
  int32_t zp = 0;
  int id = -1;  // tensor index in the model
  double Real(size_t i) const { return (q[i] - zp) * scale; }
};

// ---- the arithmetic, from its definition ----

struct Multiplier {
  int64_t m = 0;
  int shift = 0;
};

Multiplier Encode(double real) {
  int e = 0;
  const double frac = std::frexp(real, &e);
  int64_t m = std::llround(std::ldexp(frac, 31));
  if (m == (int64_t{1} << 31)) {
    m /= 2;
    ++e;
  }
  if (e < -31) return {};
  return {m, e};
}

// round_half_away(floor(x * 2^left * m / 2^31 + 1/2) / 2^right).
int64_t Requant(int64_t x, Multiplier mult) {
  const long double scaled = std::ldexp(static_cast<long double>(x), std::max(mult.shift, 0));
  const long double high = std::floor(scaled * mult.m / 2147483648.0L + 0.5L);
  return std::llround(std::ldexp(high, -std::max(-mult.shift, 0)));
}

int32_t Clamp(int64_t v, int32_t lo = -128, int32_t hi = 127) {
  return static_cast<int32_t>(std::min<int64_t>(hi, std::max<int64_t>(lo, v)));
}

int32_t QuantizeReal(long double x, double scale, int32_t zp) {
  return Clamp(zp + std::llround(x / scale));
}

// Activation bounds from NUMERICS.md.
std::pair<int32_t, int32_t> ActBounds(qfm::Activation a, double scale, int32_t zp) {
  if (a == qfm::Activation::NONE) return {-128, 127};
  const int32_t lo = std::max(-128, zp);
  if (a == qfm::Activation::RELU) return {lo, 127};
  return {lo, Clamp(zp + std::llround(6.0 / scale))};
}

// ---- the random graph builder and simulator ----

class RandomGraph {
 public:
  explicit RandomGraph(uint32_t seed) : rng_(seed) {}

  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  double Real(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  qfm::Activation Act() { return static_cast<qfm::Activation>(Int(0, 2)); }

  // Chooses output parameters that cover the real values `reals` (widened to include 0),
  // with a random margin so that some outputs saturate.
  void ChooseParams(const std::vector<long double>& reals, Sim* out) {
    long double lo = 0, hi = 0;
    for (long double r : reals) lo = std::min(lo, r), hi = std::max(hi, r);
    if (hi - lo < 1e-6L) hi = lo + 1.0L;
    out->scale = static_cast<float>((hi - lo) / 255.0L * Real(0.6, 1.2));
    out->zp = Clamp(std::llround(-128.0L - lo / out->scale) + Int(-3, 3));
  }

  int Activation(const Sim& s, const std::string& name) {
    QuantParams p{{static_cast<float>(s.scale)}, {s.zp}, 0};
    std::vector<int> shape = s.shape;
    shape[0] = 1;
    return w.AddActivation(name, DType::INT8, shape, &p);
  }

  Sim Input(int n, int h, int wd, int c, std::vector<float>* data) {
    Sim s;
    s.shape = {n, h, wd, c};
    s.scale = Real(0.01, 0.1);
    s.zp = Int(-60, 60);
    data->resize(static_cast<size_t>(n) * h * wd * c);
    for (float& x : *data) x = static_cast<float>(Real(-3.0, 3.0));
    for (float x : *data) s.q.push_back(QuantizeReal(x, static_cast<float>(s.scale), s.zp));
    const int xf = w.AddActivation("input", DType::FLOAT32, {1, h, wd, c});
    s.id = Activation(s, "input_q");
    w.AddOperator(OpType::QUANTIZE, {xf}, {s.id});
    w.SetInputs({xf});
    return s;
  }

  // CONV_2D or DEPTHWISE_CONV_2D with random geometry and per-channel weights. `same_params`
  // forces the output's scale and zero point (for a concatenation partner).
  Sim Conv(const Sim& in, bool depthwise, int out_c, const Sim* same_params = nullptr, bool keep_size = false) {
    const int n = in.shape[0], h = in.shape[1], wd = in.shape[2], c = in.shape[3];
    int kh, kw, sh, sw, dh, dw, pt, pb, pl, pr, oh, ow;
    do {  // a random geometry whose output has at least one pixel
      kh = keep_size ? 1 : Int(1, 3), kw = keep_size ? 1 : Int(1, 3);
      sh = keep_size ? 1 : Int(1, 2), sw = keep_size ? 1 : Int(1, 2);
      dh = keep_size || kh == 1 ? 1 : Int(1, 2), dw = keep_size || kw == 1 ? 1 : Int(1, 2);
      pt = keep_size ? 0 : Int(0, kh - 1), pb = keep_size ? 0 : Int(0, kh - 1);
      pl = keep_size ? 0 : Int(0, kw - 1), pr = keep_size ? 0 : Int(0, kw - 1);
      oh = h + pt + pb - dh * (kh - 1) - 1 < 0 ? 0 : (h + pt + pb - dh * (kh - 1) - 1) / sh + 1;
      ow = wd + pl + pr - dw * (kw - 1) - 1 < 0 ? 0 : (wd + pl + pr - dw * (kw - 1) - 1) / sw + 1;
    } while (oh < 1 || ow < 1);
    const int mult = depthwise ? Int(1, 2) : 1;
    if (depthwise) out_c = c * mult;
    const qfm::Activation act = Act();
    // Weights: per output channel, symmetric, [-127, 127].
    std::vector<float> wscale(out_c);
    for (float& s : wscale) s = static_cast<float>(Real(0.002, 0.02));
    const int wcount = depthwise ? kh * kw * out_c : out_c * kh * kw * c;
    std::vector<int8_t> weights(wcount);
    for (int8_t& v : weights) v = static_cast<int8_t>(Int(-127, 127));
    std::vector<int32_t> bias(out_c);
    for (int32_t& b : bias) b = Int(-3000, 3000);
    // Accumulators from the definition.
    std::vector<int64_t> acc(static_cast<size_t>(n) * oh * ow * out_c);
    for (int b = 0; b < n; ++b)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox)
          for (int oc = 0; oc < out_c; ++oc) {
            int64_t a = bias[oc];
            for (int ky = 0; ky < kh; ++ky)
              for (int kx = 0; kx < kw; ++kx) {
                const int iy = oy * sh - pt + ky * dh, ix = ox * sw - pl + kx * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                const size_t pixel = ((static_cast<size_t>(b) * h + iy) * wd + ix) * c;
                if (depthwise) {
                  a += int64_t{weights[(ky * kw + kx) * out_c + oc]} * (in.q[pixel + oc / mult] - in.zp);
                } else {
                  for (int ic = 0; ic < c; ++ic)
                    a += int64_t{weights[((oc * kh + ky) * kw + kx) * c + ic]} * (in.q[pixel + ic] - in.zp);
                }
              }
            acc[((static_cast<size_t>(b) * oh + oy) * ow + ox) * out_c + oc] = a;
          }
    Sim out;
    out.shape = {n, oh, ow, out_c};
    std::vector<long double> reals;
    for (size_t i = 0; i < acc.size(); ++i) reals.push_back(acc[i] * in.scale * wscale[i % out_c]);
    if (same_params) {
      out.scale = same_params->scale;
      out.zp = same_params->zp;
    } else {
      ChooseParams(reals, &out);
    }
    const auto [lo, hi] = ActBounds(act, static_cast<float>(out.scale), out.zp);
    for (size_t i = 0; i < acc.size(); ++i) {
      const Multiplier m = Encode(static_cast<double>(static_cast<float>(in.scale)) * wscale[i % out_c] /
                                  static_cast<float>(out.scale));
      out.q.push_back(Clamp(Requant(acc[i], m) + out.zp, lo, hi));
    }
    // The model.
    QuantParams wq{wscale, std::vector<int64_t>(out_c, 0), depthwise ? 3 : 0};
    std::vector<float> bscale(out_c);
    for (int oc = 0; oc < out_c; ++oc) bscale[oc] = static_cast<float>(in.scale) * wscale[oc];
    QuantParams bq{bscale, std::vector<int64_t>(out_c, 0), 0};
    const int wt = w.AddConstant("w" + std::to_string(counter_), DType::INT8,
                                 depthwise ? std::vector<int>{1, kh, kw, out_c} : std::vector<int>{out_c, kh, kw, c},
                                 weights, &wq);
    const int bt = w.AddConstant("b" + std::to_string(counter_), DType::INT32, {out_c}, bias, &bq);
    out.id = Activation(out, "conv" + std::to_string(counter_++));
    qfm::Conv2DOptionsT o;
    o.stride_h = sh, o.stride_w = sw, o.dilation_h = dh, o.dilation_w = dw;
    o.pad_top = pt, o.pad_bottom = pb, o.pad_left = pl, o.pad_right = pr;
    o.depth_multiplier = mult;
    o.activation = act;
    qfm::OptionsUnion u;
    u.Set(o);
    w.AddOperator(depthwise ? OpType::DEPTHWISE_CONV_2D : OpType::CONV_2D, {in.id, wt, bt}, {out.id}, u);
    return out;
  }

  Sim Pool(const Sim& in, bool max) {
    const int n = in.shape[0], h = in.shape[1], wd = in.shape[2], c = in.shape[3];
    const int k = Int(1, std::min(3, std::min(h, wd))), s = Int(1, 2), pad = Int(0, k - 1);
    const int oh = (h + 2 * pad - k) / s + 1, ow = (wd + 2 * pad - k) / s + 1;
    Sim out = in;
    out.shape = {n, oh, ow, c};
    out.q.clear();
    for (int b = 0; b < n; ++b)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox)
          for (int ch = 0; ch < c; ++ch) {
            int64_t m = -128, sum = 0, count = 0;
            for (int y = oy * s - pad; y < oy * s - pad + k; ++y)
              for (int x = ox * s - pad; x < ox * s - pad + k; ++x) {
                if (y < 0 || y >= h || x < 0 || x >= wd) continue;
                const int32_t v = in.q[((static_cast<size_t>(b) * h + y) * wd + x) * c + ch];
                m = std::max<int64_t>(m, v);
                sum += v;
                ++count;
              }
            // Average: round half away from zero of sum / count.
            out.q.push_back(max ? Clamp(m) : Clamp(std::llround(static_cast<long double>(sum) / count)));
          }
    out.id = Activation(out, "pool" + std::to_string(counter_++));
    qfm::Pool2DOptionsT o;
    o.filter_h = o.filter_w = k;
    o.stride_h = o.stride_w = s;
    o.pad_top = o.pad_left = o.pad_bottom = o.pad_right = pad;
    qfm::OptionsUnion u;
    u.Set(o);
    w.AddOperator(max ? OpType::MAX_POOL_2D : OpType::AVERAGE_POOL_2D, {in.id}, {out.id}, u);
    return out;
  }

  Sim Add(const Sim& a, const Sim& b) {
    const qfm::Activation act = Act();
    std::vector<long double> reals;
    for (size_t i = 0; i < a.q.size(); ++i) reals.push_back(a.Real(i) + b.Real(i));
    Sim out;
    out.shape = a.shape;
    ChooseParams(reals, &out);
    const double s1 = static_cast<float>(a.scale), s2 = static_cast<float>(b.scale), so = static_cast<float>(out.scale);
    const double twice_max = 2 * std::max(s1, s2);
    const Multiplier m1 = Encode(s1 / twice_max), m2 = Encode(s2 / twice_max);
    const Multiplier mo = Encode(twice_max / (std::ldexp(1.0, 20) * so));
    const auto [lo, hi] = ActBounds(act, so, out.zp);
    for (size_t i = 0; i < a.q.size(); ++i) {
      const int64_t x = Requant((a.q[i] - a.zp) * (int64_t{1} << 20), m1);
      const int64_t y = Requant((b.q[i] - b.zp) * (int64_t{1} << 20), m2);
      out.q.push_back(Clamp(Requant(x + y, mo) + out.zp, lo, hi));
    }
    out.id = Activation(out, "add" + std::to_string(counter_++));
    qfm::AddOptionsT o;
    o.activation = act;
    qfm::OptionsUnion u;
    u.Set(o);
    w.AddOperator(OpType::ADD, {a.id, b.id}, {out.id}, u);
    return out;
  }

  // Channel concatenation of `in` and a 1x1 convolution of it that shares its parameters.
  Sim ConcatWithBranch(const Sim& in) {
    const Sim branch = Conv(in, false, Int(1, 3), &in, /*keep_size=*/true);
    Sim out = in;
    const int c1 = in.shape[3], c2 = branch.shape[3];
    out.shape[3] = c1 + c2;
    out.q.clear();
    const size_t pixels = in.q.size() / c1;
    for (size_t p = 0; p < pixels; ++p) {
      for (int ch = 0; ch < c1; ++ch) out.q.push_back(in.q[p * c1 + ch]);
      for (int ch = 0; ch < c2; ++ch) out.q.push_back(branch.q[p * c2 + ch]);
    }
    out.id = Activation(out, "concat" + std::to_string(counter_++));
    qfm::ConcatenationOptionsT o;
    o.axis = 3;
    qfm::OptionsUnion u;
    u.Set(o);
    w.AddOperator(OpType::CONCATENATION, {in.id, branch.id}, {out.id}, u);
    return out;
  }

  Sim HardSwish(const Sim& in) {
    std::vector<long double> reals;
    auto f = [](long double x) { return x * std::clamp(x + 3.0L, 0.0L, 6.0L) / 6.0L; };
    for (size_t i = 0; i < in.q.size(); ++i) reals.push_back(f(in.Real(i)));
    Sim out;
    out.shape = in.shape;
    ChooseParams(reals, &out);
    const double si = static_cast<float>(in.scale), so = static_cast<float>(out.scale);
    for (int32_t v : in.q) out.q.push_back(QuantizeReal(f(static_cast<double>((v - in.zp) * si)), so, out.zp));
    out.id = Activation(out, "hardswish" + std::to_string(counter_++));
    w.AddOperator(OpType::HARD_SWISH, {in.id}, {out.id});
    return out;
  }

  Sim Mean(const Sim& in) {
    const int n = in.shape[0], hw = in.shape[1] * in.shape[2], c = in.shape[3];
    std::vector<long double> reals;
    std::vector<int64_t> sums;
    for (int b = 0; b < n; ++b)
      for (int ch = 0; ch < c; ++ch) {
        int64_t sum = 0;
        for (int i = 0; i < hw; ++i) sum += in.q[(static_cast<size_t>(b) * hw + i) * c + ch];
        sums.push_back(sum);
        reals.push_back((static_cast<long double>(sum) / hw - in.zp) * in.scale);
      }
    Sim out;
    out.shape = {n, c};
    ChooseParams(reals, &out);
    const double si = static_cast<float>(in.scale), so = static_cast<float>(out.scale);
    const Multiplier m = Encode(si / (hw * so));
    const int64_t offset = out.zp - std::llround(in.zp * si / so);
    for (int64_t s : sums) out.q.push_back(Clamp(Requant(s, m) + offset));
    out.id = Activation(out, "mean" + std::to_string(counter_++));
    w.AddOperator(OpType::MEAN, {in.id}, {out.id});
    return out;
  }

  // NHWC flatten: the values keep their order.
  Sim Flatten(const Sim& in) {
    Sim out = in;
    out.shape = {in.shape[0], static_cast<int>(in.q.size()) / in.shape[0]};
    out.id = Activation(out, "flatten" + std::to_string(counter_++));
    w.AddOperator(OpType::RESHAPE, {in.id}, {out.id});
    return out;
  }

  Sim Dense(const Sim& in, int units) {
    const int n = in.shape[0], k = in.shape[1];
    std::vector<float> wscale(units);
    for (float& s : wscale) s = static_cast<float>(Real(0.002, 0.02));
    std::vector<int8_t> weights(static_cast<size_t>(units) * k);
    for (int8_t& v : weights) v = static_cast<int8_t>(Int(-127, 127));
    std::vector<int32_t> bias(units);
    for (int32_t& b : bias) b = Int(-3000, 3000);
    const qfm::Activation act = Act();
    std::vector<int64_t> acc;
    std::vector<long double> reals;
    for (int b = 0; b < n; ++b)
      for (int o = 0; o < units; ++o) {
        int64_t a = bias[o];
        for (int i = 0; i < k; ++i) a += int64_t{weights[static_cast<size_t>(o) * k + i]} * (in.q[b * k + i] - in.zp);
        acc.push_back(a);
        reals.push_back(a * in.scale * wscale[o]);
      }
    Sim out;
    out.shape = {n, units};
    ChooseParams(reals, &out);
    const auto [lo, hi] = ActBounds(act, static_cast<float>(out.scale), out.zp);
    for (size_t i = 0; i < acc.size(); ++i) {
      const Multiplier m = Encode(static_cast<double>(static_cast<float>(in.scale)) * wscale[i % units] /
                                  static_cast<float>(out.scale));
      out.q.push_back(Clamp(Requant(acc[i], m) + out.zp, lo, hi));
    }
    QuantParams wq{wscale, std::vector<int64_t>(units, 0), 0};
    const int wt = w.AddConstant("dense_w" + std::to_string(counter_), DType::INT8, {units, k}, weights, &wq);
    const int bt = w.AddConstant("dense_b" + std::to_string(counter_), DType::INT32, {units}, bias);
    out.id = Activation(out, "dense" + std::to_string(counter_++));
    qfm::FullyConnectedOptionsT o;
    o.activation = act;
    qfm::OptionsUnion u;
    u.Set(o);
    w.AddOperator(OpType::FULLY_CONNECTED, {in.id, wt, bt}, {out.id}, u);
    return out;
  }

  // Output 1/256, -128; exponentials from the table formulation: float(exp(-d * s)), summed in
  // float in index order, scaled by 256 / sum in float, rounded half away from zero.
  Sim Softmax(const Sim& in) {
    const int rows = in.shape[0], depth = in.shape[1];
    Sim out = in;
    out.scale = 1.0 / 256;
    out.zp = -128;
    out.q.clear();
    for (int r = 0; r < rows; ++r) {
      const auto first = in.q.begin() + static_cast<int64_t>(r) * depth;
      const int32_t max = *std::max_element(first, first + depth);
      std::vector<float> e;
      float sum = 0.0f;
      for (int i = 0; i < depth; ++i) {
        e.push_back(static_cast<float>(std::exp(-(max - first[i]) * static_cast<double>(static_cast<float>(in.scale)))));
        sum += e.back();
      }
      const float inv = 256.0f / sum;
      for (float v : e) out.q.push_back(Clamp(std::llround(v * inv) - 128));
    }
    out.id = Activation(out, "softmax");
    qfm::SoftmaxOptionsT o;
    qfm::OptionsUnion u;
    u.Set(o);
    w.AddOperator(OpType::SOFTMAX, {in.id}, {out.id}, u);
    return out;
  }

  ModelWriter w;

 private:
  std::mt19937 rng_;
  int counter_ = 0;
};

TEST(InterpreterSimulation, RandomGraphsMatchTheDefinitionsExactly) {
  constexpr uint32_t kBaseSeed = 7100;
  constexpr int kGraphs = 150;
  int ops_checked = 0;
  for (int g = 0; g < kGraphs; ++g) {
    const uint32_t seed = kBaseSeed + g;
    SCOPED_TRACE("graph seed " + std::to_string(seed));
    RandomGraph rg(seed);
    const int batch = rg.Int(1, 3);
    std::vector<float> input;
    Sim x = rg.Input(batch, rg.Int(4, 9), rg.Int(4, 9), rg.Int(1, 4), &input);
    const int layers = rg.Int(2, 5);
    for (int l = 0; l < layers; ++l) {
      switch (rg.Int(0, 6)) {
        case 0: x = rg.Conv(x, false, rg.Int(1, 6)); break;
        case 1: x = rg.Conv(x, true, 0); break;
        case 2: x = rg.Pool(x, true); break;
        case 3: x = rg.Pool(x, false); break;
        case 4: x = rg.Add(x, rg.Conv(x, false, x.shape[3], nullptr, /*keep_size=*/true)); break;
        case 5: x = rg.ConcatWithBranch(x); break;
        case 6: x = rg.HardSwish(x); break;
      }
    }
    x = rg.Int(0, 1) ? rg.Mean(x) : rg.Flatten(x);
    const Sim logits = rg.Dense(x, rg.Int(2, 10));
    const Sim probs = rg.Softmax(logits);
    rg.w.SetOutputs({logits.id, probs.id});
    ops_checked += static_cast<int>(rg.w.model().operators.size());

    const std::vector<uint8_t> bytes = rg.w.Serialize();
    auto model = Model::FromBytes(bytes.data(), bytes.size(), "random.qfm");
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    for (int threads : {1, 3}) {  // the kernels' thread split must not change a byte
      InterpreterOptions options;
      options.batch_size = batch;
      options.threads = threads;
      options.min_task_work = 1;  // split even these small graphs
      auto it = Interpreter::Create(*model, options);
      ASSERT_TRUE(it.ok()) << it.status().ToString();
      ASSERT_TRUE((*it)->SetInput(0, input.data(), static_cast<int64_t>(input.size() * 4)).ok());
      const int64_t allocations_before = AllocationCount();
      ASSERT_TRUE((*it)->Invoke().ok());
      ASSERT_EQ(AllocationCount() - allocations_before, 0) << "Invoke allocated";
      for (int o = 0; o < 2; ++o) {
        const Sim& want = o == 0 ? logits : probs;
        std::vector<int8_t> got(want.q.size());
        ASSERT_TRUE((*it)->GetOutput(o, got.data(), static_cast<int64_t>(got.size())).ok());
        for (size_t i = 0; i < got.size(); ++i)
          ASSERT_EQ(got[i], want.q[i]) << "output " << o << " element " << i << " threads " << threads;
      }
    }
  }
  EXPECT_GT(ops_checked, kGraphs * 5);
}

}  // namespace
}  // namespace qforge::runtime
