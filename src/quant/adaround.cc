// AdaRound (see adaround.h): the layer inputs of the float and the partly rounded model, the
// layer as a product of input patches and weights, and the optimization of the rounding.
#include "quant/adaround.h"

#include <dnnl.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/rng.h"
#include "convert/evaluate.h"
#include "runtime/interpreter.h"
#include "runtime/quant_grid.h"

namespace qforge::quant {
namespace {

using convert::DeployGraph;
using convert::DeployLayer;
using convert::FusedActivation;
using convert::LayerKind;
using convert::Mode;

constexpr double kZeta = 1.1, kGamma = -0.1;

// Deploy value `value` of the model `graph` emitted with `emit`, on every sample (dequantized):
// count x the value's elements per sample.
StatusOr<std::vector<float>> CollectValue(const DeployGraph& graph, convert::EmitOptions emit, const float* samples,
                                          int64_t count, int value) {
  emit.every_value_an_output = true;
  emit.int8_io = false;
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, convert::EmitQfm(graph, emit));
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model,
                      runtime::Model::FromBytes(bytes.data(), bytes.size(), "adaround model"));
  const int batch = static_cast<int>(std::min<int64_t>(32, count));
  convert::BatchInterpreters interpreters(model, batch);
  std::vector<float> out, part;
  for (int64_t first = 0; first < count; first += batch) {
    QF_ASSIGN_OR_RETURN(runtime::Interpreter* it, interpreters.For(std::min<int64_t>(batch, count - first)));
    const int64_t in_size = it->input(0).elements / it->batch_size();
    QF_RETURN_IF_ERROR(it->SetInput(0, samples + first * in_size, it->input(0).bytes));
    QF_RETURN_IF_ERROR(it->Invoke());
    QF_RETURN_IF_ERROR(convert::TensorAsFloat(it->output(value), &part));
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// Values computed in float (the model input, a float layer's output) reach an integer layer
// through a QUANTIZE: rounded onto the grid the layer reads them on.
void RoundOntoGrid(const convert::ActivationParams& p, bool int16, std::vector<float>& x) {
  const double lo = int16 ? -32768 : -128, hi = int16 ? 32767 : 127;
  for (float& v : x)
    v = static_cast<float>((std::clamp<double>(std::round(v / p.scale) + p.zero_point, lo, hi) - p.zero_point) * p.scale);
}

// A weighted layer as rows of input patches times its weights. Conv and dense: y[r, o] =
// sum_k x[r, k] w[o, k] (w in the runtime layout, OHWI or [out, in]); depthwise: y[r, o] =
// sum_t x[r, t, o / multiplier] w[t, o] (x: [rows, taps, in channels], w: [kh, kw, out]).
struct LayerProblem {
  bool depthwise = false;
  int64_t rows = 0, k = 0, outputs = 0, in_channels = 0, taps = 0, multiplier = 1;
  std::vector<float> x_float, x_quant;  // the patches of the float and the quantized model's input
};

// Output positions (sample, output pixel) drawn without replacement, at most `max_rows`.
std::vector<int64_t> SamplePositions(int64_t total, int64_t max_rows, uint64_t seed) {
  std::vector<int64_t> all(total);
  std::iota(all.begin(), all.end(), 0);
  if (total <= max_rows) return all;
  Rng rng(seed);
  for (int64_t i = 0; i < max_rows; ++i) std::swap(all[i], all[i + static_cast<int64_t>(rng.Below(total - i))]);
  all.resize(max_rows);
  std::sort(all.begin(), all.end());
  return all;
}

// The patches of `layer` at `positions` from its input `in` ([count, H, W, C] or [count, F]).
void FillPatches(const DeployLayer& l, const std::vector<int>& in_shape, const std::vector<int>& out_shape,
                 const std::vector<int64_t>& positions, const std::vector<float>& in, LayerProblem& p,
                 std::vector<float>& patches) {
  patches.assign(static_cast<size_t>(p.rows * p.k), 0.0f);
  if (l.kind == LayerKind::kDense) {
    for (int64_t r = 0; r < p.rows; ++r)
      std::copy_n(in.begin() + positions[r] * p.k, p.k, patches.begin() + r * p.k);
    return;
  }
  const int64_t ih = in_shape[1], iw = in_shape[2], ic = in_shape[3], oh = out_shape[1], ow = out_shape[2];
  const int64_t kh = l.kernel[0], kw = l.kernel[1];
  for (int64_t r = 0; r < p.rows; ++r) {
    const int64_t n = positions[r] / (oh * ow), pixel = positions[r] % (oh * ow);
    const int64_t oy = pixel / ow, ox = pixel % ow;
    const float* image = in.data() + n * ih * iw * ic;
    float* row = patches.data() + r * p.k;
    for (int64_t ky = 0; ky < kh; ++ky) {
      const int64_t y = oy * l.stride[0] - l.pads[0] + ky * l.dilation[0];
      for (int64_t kx = 0; kx < kw; ++kx) {
        const int64_t x = ox * l.stride[1] - l.pads[1] + kx * l.dilation[1];
        if (y < 0 || y >= ih || x < 0 || x >= iw) continue;  // padding: zeros
        std::copy_n(image + (y * iw + x) * ic, ic, row + (ky * kw + kx) * ic);
      }
    }
  }
}

// y = patches * w (+ bias), [rows x outputs].
void Forward(const LayerProblem& p, const float* x, int64_t rows, const std::vector<float>& w,
             const std::vector<float>& bias, std::vector<float>& y) {
  y.resize(static_cast<size_t>(rows * p.outputs));
  for (int64_t r = 0; r < rows; ++r) std::copy(bias.begin(), bias.end(), y.begin() + r * p.outputs);
  if (!p.depthwise) {
    dnnl_sgemm('N', 'T', rows, p.outputs, p.k, 1.0f, x, p.k, w.data(), p.k, 1.0f, y.data(), p.outputs);
    return;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < p.taps; ++t) {
      const float* xt = x + (r * p.taps + t) * p.in_channels;
      const float* wt = w.data() + t * p.outputs;
      float* yr = y.data() + r * p.outputs;
      for (int64_t o = 0; o < p.outputs; ++o) yr[o] += xt[o / p.multiplier] * wt[o];
    }
}

// dw = dy^T * patches (the weights' layout).
void WeightGradient(const LayerProblem& p, const float* x, int64_t rows, const std::vector<float>& dy, std::vector<float>& dw) {
  dw.assign(static_cast<size_t>(p.outputs * (p.depthwise ? p.taps : p.k)), 0.0f);
  if (!p.depthwise) {
    dnnl_sgemm('T', 'N', p.outputs, p.k, rows, 1.0f, dy.data(), p.outputs, x, p.k, 0.0f, dw.data(), p.k);
    return;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < p.taps; ++t) {
      const float* xt = x + (r * p.taps + t) * p.in_channels;
      const float* dyr = dy.data() + r * p.outputs;
      float* dwt = dw.data() + t * p.outputs;
      for (int64_t o = 0; o < p.outputs; ++o) dwt[o] += dyr[o] * xt[o / p.multiplier];
    }
}

float Activate(FusedActivation a, float v) {
  if (a == FusedActivation::kNone) return v;
  v = std::max(v, 0.0f);
  return a == FusedActivation::kRelu6 ? std::min(v, 6.0f) : v;
}

bool Passes(FusedActivation a, float v) {
  return a == FusedActivation::kNone || (v > 0.0f && (a != FusedActivation::kRelu6 || v < 6.0f));
}

// mean over rows of sum over outputs of (f(y) - target)^2; with `grad`, d/dy of it.
double ReconstructionError(FusedActivation act, const std::vector<float>& y, const float* target, int64_t rows,
                           std::vector<float>* grad) {
  double sum = 0.0;
  if (grad) grad->resize(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    const double e = Activate(act, y[i]) - target[i];
    sum += e * e;
    if (grad) (*grad)[i] = Passes(act, y[i]) ? static_cast<float>(2.0 * e / rows) : 0.0f;
  }
  return sum / static_cast<double>(rows);
}

double Sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// A layer's weights on their grid: w / s per weight, and its channel's scale.
struct Rounding {
  std::vector<double> ratio;   // w / s
  std::vector<float> scale;    // s of the weight's channel
  double qmax = 127;
  double Floor(size_t i) const { return std::floor(ratio[i]); }
  // The weights with each rounded down plus h (h in [0, 1]).
  std::vector<float> Weights(const std::vector<double>& h) const {
    std::vector<float> w(h.size());
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(scale[i] * std::clamp(Floor(i) + h[i], -qmax, qmax));
    return w;
  }
};

// Rows `rows` of a [*, width] matrix, gathered.
void Gather(const std::vector<float>& m, int64_t width, const std::vector<int64_t>& rows, std::vector<float>& out) {
  out.resize(rows.size() * width);
  for (size_t r = 0; r < rows.size(); ++r) std::copy_n(m.begin() + rows[r] * width, width, out.begin() + r * width);
}

// Learns the rounding of one layer: h (0 or 1) per weight; fills the report's errors.
std::vector<double> LearnRounding(const LayerProblem& p, const Rounding& rnd, const std::vector<float>& bias,
                                  FusedActivation act, const std::vector<float>& target, const AdaRoundOptions& o,
                                  AdaRoundLayer& report) {
  const size_t n = rnd.ratio.size();
  std::vector<double> v(n), h(n), nearest(n), m1(n, 0.0), m2(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const double frac = rnd.ratio[i] - rnd.Floor(i);
    v[i] = -std::log((kZeta - kGamma) / (frac - kGamma) - 1.0);  // h(v) = frac
    nearest[i] = std::round(rnd.ratio[i]) - rnd.Floor(i);
  }
  // The errors are measured on the first positions (up to 4096), the same for both roundings.
  const int64_t eval_rows = std::min<int64_t>(p.rows, 4096);
  std::vector<float> y, dy, dw, xb, tb;
  auto error_of = [&](const std::vector<double>& hh) {
    Forward(p, p.x_quant.data(), eval_rows, rnd.Weights(hh), bias, y);
    return ReconstructionError(act, y, target.data(), eval_rows, nullptr);
  };
  report.nearest_error = error_of(nearest);
  Rng rng(o.seed);
  const int64_t batch = std::min<int64_t>(o.batch_rows, p.rows);
  std::vector<int64_t> rows(batch);
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  for (int it = 0; it < o.iterations; ++it) {
    for (int64_t& r : rows) r = static_cast<int64_t>(rng.Below(p.rows));
    Gather(p.x_quant, p.k, rows, xb);
    Gather(target, p.outputs, rows, tb);
    for (size_t i = 0; i < n; ++i) h[i] = std::clamp(Sigmoid(v[i]) * (kZeta - kGamma) + kGamma, 0.0, 1.0);
    Forward(p, xb.data(), batch, rnd.Weights(h), bias, y);
    ReconstructionError(act, y, tb.data(), batch, &dy);
    WeightGradient(p, xb.data(), batch, dy, dw);
    const double t = static_cast<double>(it) / o.iterations;
    const bool regularize = t >= o.warmup;
    const double beta = o.beta_end + (o.beta_start - o.beta_end) * std::max(0.0, 1.0 - (t - o.warmup) / (1.0 - o.warmup));
    const double c1 = 1.0 - std::pow(b1, it + 1), c2 = 1.0 - std::pow(b2, it + 1);
    for (size_t i = 0; i < n; ++i) {
      const double q = rnd.Floor(i) + h[i];
      double g = q > -rnd.qmax && q < rnd.qmax ? dw[i] * static_cast<double>(rnd.scale[i]) : 0.0;
      if (regularize) {
        const double d = 2.0 * h[i] - 1.0;
        g -= o.regularization * 2.0 * beta * std::pow(std::fabs(d), beta - 1.0) * (d < 0 ? -1.0 : 1.0);
      }
      const double sig = Sigmoid(v[i]), raw = sig * (kZeta - kGamma) + kGamma;
      g = raw > 0.0 && raw < 1.0 ? g * sig * (1.0 - sig) * (kZeta - kGamma) : 0.0;
      m1[i] = b1 * m1[i] + (1.0 - b1) * g;
      m2[i] = b2 * m2[i] + (1.0 - b2) * g * g;
      v[i] -= o.learning_rate * (m1[i] / c1) / (std::sqrt(m2[i] / c2) + eps);
    }
  }
  size_t flipped = 0;
  for (size_t i = 0; i < n; ++i) {
    h[i] = Sigmoid(v[i]) * (kZeta - kGamma) + kGamma >= 0.5 ? 1.0 : 0.0;
    flipped += h[i] != nearest[i];
  }
  report.adaround_error = error_of(h);
  report.flipped = static_cast<double>(flipped) / static_cast<double>(std::max<size_t>(n, 1));
  return h;
}

}  // namespace

StatusOr<std::vector<AdaRoundLayer>> AdaRoundWeights(DeployGraph* graph, const convert::EmitOptions& emit,
                                                     const float* samples, int64_t count, const AdaRoundOptions& o,
                                                     std::map<std::string, convert::WeightGrid>* grids) {
  if (o.iterations < 1 || o.batch_rows < 1 || o.max_rows < 1 || o.samples < 1 || !(o.learning_rate > 0.0) ||
      !(o.regularization >= 0.0) || !(o.warmup >= 0.0 && o.warmup < 1.0) || !(o.beta_start >= o.beta_end && o.beta_end > 0.0))
    return InvalidArgument("AdaRound: iterations, batch rows, rows, samples and learning rate must be positive, "
                           "regularization >= 0, warm-up in [0, 1), beta start >= end > 0");
  const DeployGraph original = *graph;
  convert::EmitOptions float_emit;
  float_emit.mode = Mode::kFloat;
  const int64_t used = std::min(count, o.samples);
  std::vector<AdaRoundLayer> reports;
  std::vector<int> producer(graph->values.size(), -1);
  for (size_t i = 0; i < graph->layers.size(); ++i) producer[graph->layers[i].output] = static_cast<int>(i);
  for (size_t idx = 0; idx < graph->layers.size(); ++idx) {
    DeployLayer& l = graph->layers[idx];
    const Mode mode = convert::LayerModeOf(emit.layer_modes, l.name, emit.mode);
    if (!l.has_weights() || mode == Mode::kFloat) continue;
    if ((l.kind == LayerKind::kConv && l.groups > 1) || l.shared_values > 0) {  // rounded to nearest
      AdaRoundLayer skipped;
      skipped.layer = l.name;
      skipped.weights = static_cast<int64_t>(l.weights.size());
      skipped.skipped = l.shared_values > 0 ? "clustered: its shared grid is kept" : "grouped convolution";
      reports.push_back(skipped);
      continue;
    }
    if (!grids->count(l.name)) (*grids)[l.name] = convert::MaxAbsWeightGrid(l, false, 8);
    const convert::WeightGrid& grid = grids->at(l.name);
    const std::vector<int>& in_shape = graph->values[l.inputs[0]].shape;
    const std::vector<int>& out_shape = graph->values[l.output].shape;
    LayerProblem p;
    p.outputs = l.out_channels();
    p.depthwise = l.kind == LayerKind::kDepthwise;
    const int64_t per_sample = l.kind == LayerKind::kDense ? 1 : int64_t{out_shape[1]} * out_shape[2];
    if (l.kind == LayerKind::kDense) {
      p.k = static_cast<int64_t>(l.weights.size()) / p.outputs;
    } else {
      p.in_channels = in_shape[3];
      p.taps = int64_t{l.kernel[0]} * l.kernel[1];
      p.k = p.taps * p.in_channels;
      p.multiplier = l.depth_multiplier;
    }
    const std::vector<int64_t> positions = SamplePositions(used * per_sample, o.max_rows, o.seed + idx);
    p.rows = static_cast<int64_t>(positions.size());
    QF_ASSIGN_OR_RETURN(const std::vector<float> x_float, CollectValue(original, float_emit, samples, used, l.inputs[0]));
    convert::EmitOptions rounded = emit;
    rounded.weight_grids = *grids;
    QF_ASSIGN_OR_RETURN(std::vector<float> x_quant, CollectValue(*graph, rounded, samples, used, l.inputs[0]));
    // CollectValue reads the model input as float: in the deployed model it reaches the layer on a
    // grid (its QUANTIZE's, or with int8_io the input's own, of the base type) as does a float layer's output.
    const int from = producer[l.inputs[0]];
    const bool float_home =
        from < 0 || convert::LayerModeOf(emit.layer_modes, graph->layers[from].name, emit.mode) == Mode::kFloat;
    const bool grid16 = from < 0 && emit.int8_io ? emit.mode == Mode::kInt16x8 : mode == Mode::kInt16x8;
    if (float_home && !emit.ranges.empty())
      RoundOntoGrid(convert::ChooseActivationParams(emit.ranges[l.inputs[0]], grid16), grid16, x_quant);
    FillPatches(l, in_shape, out_shape, positions, x_float, p, p.x_float);
    FillPatches(l, in_shape, out_shape, positions, x_quant, p, p.x_quant);
    std::vector<float> target;
    Forward(p, p.x_float.data(), p.rows, original.layers[idx].weights, l.bias, target);
    for (float& t : target) t = Activate(l.activation, t);

    Rounding rnd;
    rnd.qmax = runtime::GridMax(grid.bits);
    rnd.ratio.resize(l.weights.size());
    rnd.scale.resize(l.weights.size());
    for (size_t i = 0; i < l.weights.size(); ++i) {
      rnd.scale[i] = grid.scale.size() == 1 ? grid.scale[0] : grid.scale[convert::WeightChannel(l, i)];
      rnd.ratio[i] = static_cast<double>(l.weights[i]) / rnd.scale[i];
    }
    AdaRoundLayer report;
    report.layer = l.name;
    report.weights = static_cast<int64_t>(l.weights.size());
    AdaRoundOptions layer_options = o;
    layer_options.seed = o.seed + 7919 * idx;
    const std::vector<double> h = LearnRounding(p, rnd, l.bias, l.activation, target, layer_options, report);
    l.weights = rnd.Weights(h);
    reports.push_back(report);
  }
  return reports;
}

}  // namespace qforge::quant
