// AdaRound: on 4-bit weights it lowers every layer's reconstruction error and the model's output
// error below nearest rounding's, leaves the weights exactly on their grid, and rejects bad
// settings.
#include "quant/adaround.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "convert/lower.h"
#include "quant/ptq.h"
#include "quant/ptq_test_util.h"
#include "zoo/zoo.h"

namespace qforge::quant {
namespace {

double MeanSquaredDifference(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * static_cast<double>(a[i] - b[i]);
  return s / static_cast<double>(a.size());
}

TEST(AdaRound, BeatsNearestRoundingOnFourBitWeights) {
  const ImageDataset d = RandomImages(64, 9);
  const Checkpoint ck = ZooCheckpoint("lenet5", 2, d);
  PtqOptions fp;
  fp.mode = convert::Mode::kFloat;
  const std::vector<float> reference = QuantizeAndRun(ck, d, fp);
  PtqOptions nearest;
  nearest.weight_bits = 4;
  nearest.calibration_samples = 64;
  PtqOptions learned = nearest;
  learned.adaround = true;
  learned.adaround_options.iterations = 300;  // few steps, larger ones
  learned.adaround_options.learning_rate = 1e-2;
  learned.adaround_options.batch_rows = 256;
  PtqReport report;
  auto bytes = QuantizeCheckpoint(ck, &d, learned, &report);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  ASSERT_EQ(report.adaround.size(), 4u);  // two convolutions, two dense layers
  for (const AdaRoundLayer& l : report.adaround) {
    EXPECT_LT(l.adaround_error, l.nearest_error) << l.layer;
    EXPECT_GT(l.flipped, 0.0) << l.layer;
    EXPECT_LT(l.flipped, 0.5) << l.layer;
  }
  const double nearest_error = MeanSquaredDifference(QuantizeAndRun(ck, d, nearest), reference);
  const double learned_error = MeanSquaredDifference(RunQfm(*bytes, d, ck.meta.preprocess), reference);
  EXPECT_LT(learned_error, nearest_error);
}

TEST(AdaRound, WeightsEndOnTheirGrid) {
  const ImageDataset d = RandomImages(16, 2);
  const Checkpoint ck = ZooCheckpoint("mobilenet", 2, d);  // depthwise layers too
  auto lowered = convert::Lower(ck.graph);
  ASSERT_TRUE(lowered.ok());
  convert::DeployGraph g = *lowered;
  convert::EmitOptions eo;
  eo.mode = convert::Mode::kInt8;
  eo.ranges.assign(g.values.size(), convert::ValueRange{-4.0f, 4.0f});
  std::map<std::string, convert::WeightGrid> grids;
  for (const convert::DeployLayer& l : g.layers)
    if (l.has_weights()) grids[l.name] = convert::MaxAbsWeightGrid(l, true, 3);
  std::vector<float> samples(16 * 784);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<float>(d.pixels[i]) / 255.0f;
  AdaRoundOptions o;
  o.iterations = 20;
  auto report = AdaRoundWeights(&g, eo, samples.data(), 16, o, &grids);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->size(), grids.size());
  for (const convert::DeployLayer& l : g.layers) {
    if (!l.has_weights()) continue;
    const float s = grids.at(l.name).scale[0];
    for (float w : l.weights) {
      EXPECT_NEAR(w / s, std::round(w / s), 1e-4) << l.name;
      EXPECT_LE(std::fabs(std::round(w / s)), 3.0) << l.name;
    }
  }
  o.iterations = 0;
  EXPECT_FALSE(AdaRoundWeights(&g, eo, samples.data(), 16, o, &grids).ok());
  o.iterations = 10;
  o.warmup = 1.0;
  EXPECT_FALSE(AdaRoundWeights(&g, eo, samples.data(), 16, o, &grids).ok());
  PtqOptions both;
  both.adaround = true;
  both.bias_correction = true;
  EXPECT_NE(CheckPtqOptions(both).message().find("not both"), std::string::npos);
  PtqOptions dynamic;
  dynamic.mode = convert::Mode::kDynamic;
  dynamic.weight_bits = 4;
  EXPECT_FALSE(CheckPtqOptions(dynamic).ok());
}

}  // namespace
}  // namespace qforge::quant
