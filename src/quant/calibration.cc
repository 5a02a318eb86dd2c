// Calibration: the float model runs through the runtime with every value exposed as an output;
// statistics per value feed the range-selection methods.
#include "quant/calibration.h"

#include <algorithm>
#include <numeric>
#include <cmath>
#include <limits>
#include <memory>

#include "runtime/interpreter.h"

namespace qforge::quant {

using convert::ValueRange;

StatusOr<CalibrationMethod> ParseCalibrationMethod(const std::string& name) {
  for (auto m : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kMse, CalibrationMethod::kKl})
    if (name == CalibrationMethodName(m)) return m;
  return InvalidArgument("unknown calibration method '{}' (minmax, percentile, mse, kl)", name);
}

const char* CalibrationMethodName(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::kMinMax: return "minmax";
    case CalibrationMethod::kPercentile: return "percentile";
    case CalibrationMethod::kMse: return "mse";
    case CalibrationMethod::kKl: return "kl";
  }
  return "?";
}

void Histogram::Add(const float* x, int64_t n) {
  const double bins = static_cast<double>(counts.size());
  const double width = max > min ? (static_cast<double>(max) - min) / bins : 1.0;
  const double amax = std::max(std::fabs(min), std::fabs(max));
  const double abs_width = amax > 0.0 ? amax / bins : 1.0;
  const auto last = static_cast<int64_t>(counts.size()) - 1;
  for (int64_t i = 0; i < n; ++i) {
    counts[std::clamp<int64_t>(static_cast<int64_t>((x[i] - min) / width), 0, last)] += 1.0;
    if (x[i] == 0.0f) continue;
    abs_counts[std::clamp<int64_t>(static_cast<int64_t>(std::fabs(x[i]) / abs_width), 0, last)] += 1.0;
  }
}

double Histogram::total() const {
  double t = 0.0;
  for (double c : counts) t += c;
  return t;
}

namespace {

ValueRange Percentile(const Histogram& h, double percentile) {
  const double total = h.total(), cut = total * (100.0 - percentile) / 100.0;
  const int bins = static_cast<int>(h.counts.size());
  const double width = (static_cast<double>(h.max) - h.min) / bins;
  int lo = 0, hi = bins - 1;
  for (double cum = 0.0; lo < bins - 1 && (cum += h.counts[lo]) <= cut;) ++lo;
  for (double cum = 0.0; hi > 0 && (cum += h.counts[hi]) <= cut;) --hi;
  if (hi < lo) std::swap(lo, hi);
  return {static_cast<float>(h.min + lo * width), static_cast<float>(h.min + (hi + 1) * width)};
}

// Expected squared error of quantizing the histogram to `levels` steps over [lo, hi]:
// uniform rounding noise step^2/12 inside, the clipping distance squared outside.
double QuantizationError(const Histogram& h, double lo, double hi, double levels) {
  const int bins = static_cast<int>(h.counts.size());
  const double width = (static_cast<double>(h.max) - h.min) / bins;
  const double step = (hi - lo) / levels, noise = step * step / 12.0;
  double err = 0.0;
  for (int b = 0; b < bins; ++b) {
    if (h.counts[b] == 0.0) continue;
    const double x = h.min + (b + 0.5) * width;
    const double d = x < lo ? x - lo : (x > hi ? x - hi : 0.0);
    err += h.counts[b] * (d != 0.0 ? d * d : noise);
  }
  return err;
}

ValueRange MinimumMse(const Histogram& h, bool int16) {
  constexpr int kSteps = 40;
  const double lo0 = std::min<double>(h.min, 0.0), hi0 = std::max<double>(h.max, 0.0);
  ValueRange best{h.min, h.max};
  double best_err = std::numeric_limits<double>::infinity();
  if (int16) {  // symmetric: one threshold
    const double amax = std::max(-lo0, hi0);
    for (int j = 1; j <= kSteps; ++j) {
      const double t = amax * j / kSteps;
      const double err = QuantizationError(h, -t, t, 65535.0);
      if (err < best_err) best_err = err, best = {static_cast<float>(-t), static_cast<float>(t)};
    }
    return best;
  }
  for (int i = lo0 < 0.0 ? 1 : kSteps; i <= kSteps; ++i)
    for (int j = hi0 > 0.0 ? 1 : kSteps; j <= kSteps; ++j) {
      const double lo = lo0 * i / kSteps, hi = hi0 * j / kSteps;
      if (!(hi > lo)) continue;
      const double err = QuantizationError(h, lo, hi, 255.0);
      if (err < best_err) best_err = err, best = {static_cast<float>(lo), static_cast<float>(hi)};
    }
  return best;
}

// KL divergence of the reference distribution p from q (both unnormalized), with zero bins of
// q smoothed so the divergence stays finite.
double KlDivergence(const std::vector<double>& p, std::vector<double>& q) {
  double p_sum = 0.0, q_sum = 0.0;
  for (double v : p) p_sum += v;
  for (double v : q) q_sum += v;
  if (p_sum == 0.0 || q_sum == 0.0) return std::numeric_limits<double>::infinity();
  constexpr double kEps = 1e-4;
  double kl = 0.0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0.0) continue;
    const double pi = p[i] / p_sum, qi = std::max(q[i] / q_sum, kEps / p.size());
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

ValueRange MinimumKl(const Histogram& h) {
  const int bins = static_cast<int>(h.abs_counts.size());
  const int levels = h.min < 0.0f ? 128 : 256;
  const double amax = std::max(std::fabs(h.min), std::fabs(h.max));
  if (bins <= levels || amax == 0.0) return {h.min, h.max};
  const double width = amax / bins;
  int best_i = bins;
  double best_kl = std::numeric_limits<double>::infinity();
  std::vector<double> outliers(bins + 1, 0.0);  // outliers[i] = sum of abs_counts[i:]
  for (int i = bins - 1; i >= 0; --i) outliers[i] = outliers[i + 1] + h.abs_counts[i];
  for (int i = levels; i <= bins; ++i) {
    std::vector<double> p(h.abs_counts.begin(), h.abs_counts.begin() + i);
    p[i - 1] += outliers[i];
    std::vector<double> q(i, 0.0);
    for (int j = 0; j < levels; ++j) {
      const int start = static_cast<int>(static_cast<int64_t>(j) * i / levels);
      const int end = static_cast<int>(static_cast<int64_t>(j + 1) * i / levels);
      double total = 0.0;
      int nonzero = 0;
      for (int k = start; k < end; ++k) {
        total += h.abs_counts[k];
        nonzero += h.abs_counts[k] != 0.0;
      }
      for (int k = start; k < end; ++k) q[k] = h.abs_counts[k] != 0.0 ? total / nonzero : 0.0;
    }
    const double kl = KlDivergence(p, q);
    if (kl < best_kl) best_kl = kl, best_i = i;
  }
  const double t = (best_i + 0.5) * width;
  return {static_cast<float>(std::max<double>(h.min, -t)), static_cast<float>(std::min<double>(h.max, t))};
}

}  // namespace

ValueRange ChooseRange(const Histogram& h, const CalibrationOptions& options) {
  if (!(h.max > h.min)) return {h.min, h.max};
  switch (options.method) {
    case CalibrationMethod::kMinMax: return {h.min, h.max};
    case CalibrationMethod::kPercentile: return Percentile(h, options.percentile);
    case CalibrationMethod::kMse: return MinimumMse(h, options.int16);
    case CalibrationMethod::kKl: return options.int16 ? ValueRange{h.min, h.max} : MinimumKl(h);
  }
  return {h.min, h.max};
}

namespace {

// Sums vectors element-wise over the replicas, in one reduction.
void SumOverReplicas(ReplicaGroup& replicas, const std::vector<std::vector<double>*>& vectors) {
  std::vector<double> all;
  for (const std::vector<double>* v : vectors) all.insert(all.end(), v->begin(), v->end());
  replicas.Sum(all.data(), static_cast<int64_t>(all.size()));
  size_t at = 0;
  for (std::vector<double>* v : vectors)
    for (double& x : *v) x = all[at++];
}

void SumOverReplicas(ReplicaGroup& replicas, std::vector<std::vector<double>>* vectors) {
  std::vector<std::vector<double>*> all;
  for (std::vector<double>& v : *vectors) all.push_back(&v);
  SumOverReplicas(replicas, all);
}

// The first pass's statistics of every replica's shard: minima, maxima, channel sums (means
// not divided yet) and the number of samples.
void ReduceFirstPass(ReplicaGroup& replicas, std::vector<Histogram>* hist, CalibrationResult* result,
                     std::vector<std::vector<float>>* channel_max, double* samples) {
  std::vector<float> lows, highs;
  for (size_t v = 0; v < hist->size(); ++v) {
    lows.push_back((*hist)[v].min);
    highs.push_back((*hist)[v].max);
    lows.insert(lows.end(), result->channel_lows[v].begin(), result->channel_lows[v].end());
    highs.insert(highs.end(), (*channel_max)[v].begin(), (*channel_max)[v].end());
  }
  replicas.Min(lows.data(), static_cast<int64_t>(lows.size()));
  replicas.Max(highs.data(), static_cast<int64_t>(highs.size()));
  size_t at = 0;
  for (size_t v = 0; v < hist->size(); ++v) {
    (*hist)[v].min = lows[at];
    (*hist)[v].max = highs[at++];
    for (size_t c = 0; c < result->channel_lows[v].size(); ++c, ++at) {
      result->channel_lows[v][c] = lows[at];
      (*channel_max)[v][c] = highs[at];
    }
  }
  std::vector<double> count{*samples};
  std::vector<std::vector<double>*> sums{&count};
  for (std::vector<double>& means : result->channel_means) sums.push_back(&means);
  SumOverReplicas(replicas, sums);
  *samples = count[0];
}

}  // namespace

StatusOr<CalibrationResult> Calibrate(const convert::DeployGraph& graph, const float* samples, int64_t count,
                                      const CalibrationOptions& options) {
  if (count < 1) return InvalidArgument("calibration needs at least one sample");
  convert::EmitOptions eo;
  eo.mode = convert::Mode::kFloat;
  eo.every_value_an_output = true;
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, convert::EmitQfm(graph, eo));
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model,
                      runtime::Model::FromBytes(bytes.data(), bytes.size(), "calibration model"));
  const int batch = static_cast<int>(std::min<int64_t>(options.batch, count));
  QF_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> full, runtime::Interpreter::Create(model, {batch}));
  std::unique_ptr<runtime::Interpreter> tail;
  if (count % batch) {
    QF_ASSIGN_OR_RETURN(tail, runtime::Interpreter::Create(model, {static_cast<int>(count % batch)}));
  }
  const int64_t sample_size = full->input(0).elements / batch;
  const size_t values = graph.values.size();

  // Runs every batch and calls visit(value, data, elements) for each value.
  auto for_each_batch = [&](auto&& visit) -> Status {
    for (int64_t first = 0; first < count; first += batch) {
      runtime::Interpreter& it = count - first >= batch ? *full : *tail;
      const int n = it.batch_size();
      QF_RETURN_IF_ERROR(it.SetInput(0, samples + first * sample_size, n * sample_size * 4));
      QF_RETURN_IF_ERROR(it.Invoke());
      for (size_t v = 0; v < values; ++v) {
        const runtime::RuntimeTensor& t = it.output(static_cast<int>(v));
        QF_RETURN_IF_ERROR(visit(v, t.as<float>(), t.elements));
      }
    }
    return Status::Ok();
  };

  CalibrationResult result;
  std::vector<Histogram> hist(values);
  result.channel_means.resize(values);
  result.channel_lows.resize(values);
  std::vector<std::vector<float>> channel_max(values);
  for (size_t v = 0; v < values; ++v) {
    hist[v].min = std::numeric_limits<float>::infinity();
    hist[v].max = -std::numeric_limits<float>::infinity();
    const auto channels = static_cast<size_t>(graph.values[v].shape.back());
    result.channel_means[v].assign(channels, 0.0);
    result.channel_lows[v].assign(channels, std::numeric_limits<float>::infinity());
    channel_max[v].assign(channels, -std::numeric_limits<float>::infinity());
  }
  QF_RETURN_IF_ERROR(for_each_batch([&](size_t v, const float* x, int64_t n) -> Status {
    Histogram& h = hist[v];
    std::vector<double>& means = result.channel_means[v];
    std::vector<float>& mins = result.channel_lows[v];
    std::vector<float>& maxs = channel_max[v];
    const auto channels = static_cast<int64_t>(means.size());
    for (int64_t i = 0; i < n; ++i) {
      if (!std::isfinite(x[i]))
        return InvalidArgument("calibration: value '{}' is not finite (NaN or infinity in the model's activations)",
                               graph.values[v].name);
      h.min = std::min(h.min, x[i]);
      h.max = std::max(h.max, x[i]);
      means[i % channels] += x[i];
      mins[i % channels] = std::min(mins[i % channels], x[i]);
      maxs[i % channels] = std::max(maxs[i % channels], x[i]);
    }
    return Status::Ok();
  }));
  double samples_seen = static_cast<double>(count);
  if (options.replicas) ReduceFirstPass(*options.replicas, &hist, &result, &channel_max, &samples_seen);
  for (size_t v = 0; v < values; ++v) {
    const double per_channel = samples_seen * (full->output(static_cast<int>(v)).elements / batch) /
                               static_cast<double>(result.channel_means[v].size());
    for (double& m : result.channel_means[v]) m /= per_channel;
  }
  if (options.channel_low_quantile > 0.0) {  // per-channel histograms over [min, max], 256 bins
    constexpr int kBins = 256;
    std::vector<std::vector<double>> counts(values);
    for (size_t v = 0; v < values; ++v) counts[v].assign(result.channel_lows[v].size() * kBins, 0.0);
    QF_RETURN_IF_ERROR(for_each_batch([&](size_t v, const float* x, int64_t n) -> Status {
      const std::vector<float>&lo = result.channel_lows[v], &hi = channel_max[v];
      const auto channels = static_cast<int64_t>(lo.size());
      for (int64_t i = 0; i < n; ++i) {
        const int64_t c = i % channels;
        const float width = hi[c] - lo[c];
        const int bin = width > 0.0f ? std::min(kBins - 1, static_cast<int>((x[i] - lo[c]) / width * kBins)) : 0;
        counts[v][c * kBins + bin] += 1.0;
      }
      return Status::Ok();
    }));
    if (options.replicas) SumOverReplicas(*options.replicas, &counts);
    for (size_t v = 0; v < values; ++v) {
      std::vector<float>& lo = result.channel_lows[v];
      for (size_t c = 0; c < lo.size(); ++c) {
        const double* h = counts[v].data() + c * kBins;
        const double total = std::accumulate(h, h + kBins, 0.0);
        double below = 0.0;
        int bin = 0;
        while (bin < kBins - 1 && below + h[bin] < options.channel_low_quantile * total) below += h[bin++];
        lo[c] += (channel_max[v][c] - lo[c]) * static_cast<float>(bin) / kBins;
      }
    }
  }
  if (options.method != CalibrationMethod::kMinMax) {
    for (Histogram& h : hist) {
      h.counts.assign(options.bins, 0.0);
      h.abs_counts.assign(options.bins, 0.0);
    }
    QF_RETURN_IF_ERROR(for_each_batch([&](size_t v, const float* x, int64_t n) -> Status {
      hist[v].Add(x, n);
      return Status::Ok();
    }));
    if (options.replicas) {
      std::vector<std::vector<double>*> all;
      for (Histogram& h : hist) all.insert(all.end(), {&h.counts, &h.abs_counts});
      SumOverReplicas(*options.replicas, all);
    }
  }
  for (const Histogram& h : hist) result.ranges.push_back(ChooseRange(h, options));
  return result;
}

}  // namespace qforge::quant
