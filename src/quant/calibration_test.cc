// Calibration: each method's range on histograms whose answer is known (min/max, percentile,
// MSE, KL), and the method names.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "convert/evaluate.h"
#include "convert/lower.h"
#include "graph/builder.h"
#include "quant/ptq.h"
#include "runtime/interpreter.h"
#include "zoo/zoo.h"

namespace qforge::quant {
namespace {

using convert::ValueRange;

// Histogram of `values` as Calibrate builds it (min/max first, then the counts).
Histogram Build(const std::vector<float>& values, int bins = 2048) {
  Histogram h;
  h.min = *std::min_element(values.begin(), values.end());
  h.max = *std::max_element(values.begin(), values.end());
  h.counts.assign(bins, 0.0);
  h.abs_counts.assign(bins, 0.0);
  h.Add(values.data(), static_cast<int64_t>(values.size()));
  return h;
}

std::vector<float> GaussianWithOutliers(uint32_t seed, int n, int outliers, float outlier_value) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  for (int i = 0; i < outliers; ++i) v[i] = (i % 2 ? 1 : -1) * outlier_value;
  return v;
}

ValueRange Choose(const Histogram& h, CalibrationMethod m, bool int16 = false) {
  CalibrationOptions o;
  o.method = m;
  o.int16 = int16;
  return ChooseRange(h, o);
}

TEST(Calibration, MinMaxIsTheObservedRange) {
  const Histogram h = Build({-1.5f, 0.25f, 3.0f});
  const ValueRange r = Choose(h, CalibrationMethod::kMinMax);
  EXPECT_EQ(r.min, -1.5f);
  EXPECT_EQ(r.max, 3.0f);
}

TEST(Calibration, PercentileClipsRareOutliers) {
  // 100000 standard normal values and 4 at +-50: 99.99% keeps ~3.9 sigma.
  const Histogram h = Build(GaussianWithOutliers(1, 100000, 4, 50.0f));
  const ValueRange r = Choose(h, CalibrationMethod::kPercentile);
  EXPECT_GT(r.max, 3.0f);
  EXPECT_LT(r.max, 4.5f);
  EXPECT_LT(r.min, -3.0f);
  EXPECT_GT(r.min, -4.5f);
}

// The mean squared error of actually quantizing `values` to int8 over range r.
double ActualMse(const std::vector<float>& values, ValueRange r) {
  const convert::ActivationParams p = convert::ChooseActivationParams(r, false);
  double err = 0.0;
  for (float x : values) {
    const double q = std::clamp<double>(p.zero_point + std::round(x / p.scale), -128, 127);
    err += std::pow((q - p.zero_point) * p.scale - x, 2);
  }
  return err / values.size();
}

TEST(Calibration, MseBeatsMinMaxOnTheActualQuantizationError) {
  // Far outliers: keeping them costs resolution for 200000 values; clipping them costs 10
  // large errors. Heavy tails (Laplace): clipping the sparse tail wins.
  std::mt19937 rng(4);
  std::exponential_distribution<float> exp1;
  std::vector<float> laplace(300000);
  for (float& x : laplace) x = (rng() & 1 ? 1.0f : -1.0f) * exp1(rng);
  for (const std::vector<float>& values : {GaussianWithOutliers(2, 200000, 10, 60.0f), laplace}) {
    const Histogram h = Build(values);
    const ValueRange r = Choose(h, CalibrationMethod::kMse);
    EXPECT_LE(ActualMse(values, r), ActualMse(values, {h.min, h.max}));
  }
  const ValueRange clipped = Choose(Build(laplace), CalibrationMethod::kMse);
  EXPECT_LT(clipped.max, 0.9f * Build(laplace).max);
  EXPECT_GT(clipped.max, 4.0f);  // ACIQ's analytic optimum for 8 bits is ~9.9 b (Banner et al. 2019)
  // Symmetric for int16.
  const ValueRange s = Choose(Build(laplace), CalibrationMethod::kMse, /*int16=*/true);
  EXPECT_EQ(s.min, -s.max);
}

TEST(Calibration, KlIgnoresRareOutliersAndKeepsTheBulk) {
  // 10^6 values uniform on [0, 1] and one at 100: min/max would spend almost every level on
  // empty space; the smallest threshold KL may pick (256 of 2048 bins: 12.5) wins.
  std::vector<float> values(1000000);
  std::mt19937 rng(6);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (float& x : values) x = u(rng);
  values[0] = 100.0f;
  const ValueRange r = Choose(Build(values), CalibrationMethod::kKl);
  EXPECT_GE(r.max, 1.0f);
  EXPECT_LT(r.max, 13.0f);
  EXPECT_EQ(r.min, Build(values).min);
  // A Gaussian keeps at least 2.5 sigma on both sides.
  const Histogram g = Build(GaussianWithOutliers(3, 400000, 0, 0.0f));
  const ValueRange k = Choose(g, CalibrationMethod::kKl);
  EXPECT_GT(k.max, 2.5f);
  EXPECT_LT(k.min, -2.5f);
}

TEST(Calibration, MethodNamesRoundTrip) {
  for (auto m : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kMse, CalibrationMethod::kKl}) {
    auto parsed = ParseCalibrationMethod(CalibrationMethodName(m));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, m);
  }
  EXPECT_NE(ParseCalibrationMethod("entropy").status().message().find("minmax, percentile, mse, kl"), std::string::npos);
}

}  // namespace
}  // namespace qforge::quant
