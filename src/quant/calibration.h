// Post-training calibration: observe every activation of a model on calibration samples and
// choose each tensor's quantization range. Methods:
//   minmax      the observed minimum and maximum
//   percentile  clip the outer (100 - p)% of values on each side (p = 99.99 by default)
//   mse         the clipping range minimizing the expected squared quantization error
//               (rounding noise inside, clipping error outside) over a histogram
//   kl          TensorRT's entropy calibration (Migacz 2017): the |x| threshold whose
//               quantized distribution has the least KL divergence from the observed one.
//               Exact zeros (ReLU outputs are often half zeros) are left out: zero is exact
//               on qforge's grid whatever the threshold, and the spike would otherwise
//               dominate the divergence and push the threshold down.
#pragma once

#include <string>
#include <vector>

#include "convert/deploy_graph.h"
#include "convert/emit.h"
#include "core/replicas.h"
#include "core/status.h"

namespace qforge::quant {

enum class CalibrationMethod { kMinMax, kPercentile, kMse, kKl };

StatusOr<CalibrationMethod> ParseCalibrationMethod(const std::string& name);
const char* CalibrationMethodName(CalibrationMethod method);

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double percentile = 99.99;  // percentile method
  bool int16 = false;         // target grid: symmetric int16 instead of asymmetric int8
  int bins = 2048;
  int batch = 32;
  // CalibrationResult::channel_lows: this quantile of each channel (0: its minimum).
  double channel_low_quantile = 0.0;
  // Data-parallel calibration: the samples given are this replica's shard; minima, maxima,
  // sums and histogram counts are reduced over the replicas, so every replica gets the result
  // of calibrating on all the shards at once (the same ranges, the counts being exact).
  ReplicaGroup* replicas = nullptr;
};

// Counts of a tensor's values in `bins` equal bins over [min, max] (the observed range), and
// of |x| over [0, max |x|].
struct Histogram {
  float min = 0.0f, max = 0.0f;
  std::vector<double> counts;      // signed
  std::vector<double> abs_counts;  // |x|, exact zeros excluded
  void Add(const float* x, int64_t n);
  double total() const;
};

// The range a method picks from one tensor's histogram (before widening to include 0).
convert::ValueRange ChooseRange(const Histogram& h, const CalibrationOptions& options);

struct CalibrationResult {
  std::vector<convert::ValueRange> ranges;         // per deploy value
  std::vector<std::vector<double>> channel_means;  // per deploy value: mean over the last dimension
  // per deploy value and channel (the last dimension): the options' low quantile (256 bins over
  // the channel's range, the lower edge of the bin it falls in) or the minimum
  std::vector<std::vector<float>> channel_lows;
};

// Runs `graph` in float through the runtime on `count` samples (NHWC, contiguous) — one pass
// for minimum, maximum and channel means, a second for histograms unless the method is minmax.
StatusOr<CalibrationResult> Calibrate(const convert::DeployGraph& graph, const float* samples, int64_t count,
                                      const CalibrationOptions& options);

}  // namespace qforge::quant
