// Post-training quantization: pooling, flatten and concatenation share ranges; bias correction
// removes the mean shift; softmax outputs in every mode; the whole pipeline (calibrate, quantize,
// run) keeps an int8 model's outputs close to the float ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "convert/evaluate.h"
#include "convert/lower.h"
#include "graph/builder.h"
#include "quant/ptq.h"
#include "quant/ptq_test_util.h"
#include "runtime/interpreter.h"
#include "zoo/zoo.h"

namespace qforge::quant {
namespace {

using convert::ValueRange;

convert::DeployGraph LoweredZoo(const std::string& name, uint64_t seed) {
  auto g = FindZooModel(name)->build(seed);
  EXPECT_TRUE(g.ok());
  auto d = convert::Lower(*g);
  EXPECT_TRUE(d.ok());
  return *d;
}

TEST(Ptq, PoolingFlattenAndConcatShareRanges) {
  const convert::DeployGraph g = LoweredZoo("lenet5", 1);
  std::vector<ValueRange> r;
  for (size_t v = 0; v < g.values.size(); ++v) r.push_back({-1.0f * v, 1.0f * v});
  TieRanges(g, &r);
  for (const convert::DeployLayer& l : g.layers) {
    if (l.kind != convert::LayerKind::kMaxPool && l.kind != convert::LayerKind::kFlatten) continue;
    EXPECT_EQ(r[l.inputs[0]].min, r[l.output].min) << l.name;
    EXPECT_EQ(r[l.inputs[0]].max, r[l.output].max) << l.name;
  }
}

// After bias correction, the int8-weight layer's output at the mean input equals the float
// layer's output at the mean input.
TEST(Ptq, BiasCorrectionRemovesTheMeanShift) {
  convert::DeployGraph g = LoweredZoo("mlp", 2);
  std::vector<std::vector<double>> means(g.values.size());
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0.0, 2.0);
  for (size_t v = 0; v < g.values.size(); ++v)
    for (int c = 0; c < g.values[v].shape.back(); ++c) means[v].push_back(u(rng));
  const convert::DeployGraph before = g;
  CorrectBiases(means, &g);
  for (size_t k = 0; k < g.layers.size(); ++k) {
    const convert::DeployLayer &l = g.layers[k], &f = before.layers[k];
    if (!l.has_weights()) continue;
    const convert::QuantizedWeights q = convert::QuantizeWeights(l);
    const int out = l.out_channels(), in = static_cast<int>(l.weights.size()) / out;
    for (int o = 0; o < out; ++o) {
      double float_out = f.bias[o], quant_out = l.bias[o];
      for (int i = 0; i < in; ++i) {
        float_out += f.weights[o * in + i] * means[l.inputs[0]][i];
        quant_out += q.values[o * in + i] * static_cast<double>(q.scale[o]) * means[l.inputs[0]][i];
      }
      EXPECT_NEAR(quant_out, float_out, 1e-4) << l.name << " channel " << o;
    }
  }
}

// A model ending in Softmax converts in every mode; the integer modes put the probabilities
// on the runtime's fixed grid (the interpreter rejects any other) and stay close to float.
TEST(Ptq, SoftmaxOutputsInEveryMode) {
  const ImageDataset d = RandomImages(32, 12);
  GraphBuilder b(4);
  const int y = b.Softmax(b.Dense(b.Flatten(b.Input("image", {1, 28, 28})), 10));
  auto g = b.Finish({y});
  ASSERT_TRUE(g.ok());
  Checkpoint ck;
  ck.graph = std::move(*g);
  ck.meta.preprocess = ComputeNormalization(d);
  PtqOptions fo;
  fo.mode = convert::Mode::kFloat;
  const std::vector<float> reference = QuantizeAndRun(ck, d, fo);
  ASSERT_EQ(reference.size(), 320u);
  for (auto mode : {convert::Mode::kFloat16, convert::Mode::kDynamic, convert::Mode::kInt8, convert::Mode::kInt16x8}) {
    PtqOptions o;
    o.mode = mode;
    o.calibration_samples = 32;
    const std::vector<float> got = QuantizeAndRun(ck, d, o);
    ASSERT_EQ(got.size(), reference.size()) << convert::ModeName(mode);
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], reference[i], 0.03) << convert::ModeName(mode) << " " << i;
    if (mode == convert::Mode::kInt8) {
      for (float p : got) EXPECT_EQ(p * 256.0f, std::round(p * 256.0f));  // multiples of 1/256
    }
  }
}

// Random images; a randomly initialized lenet5 converted with every method stays close to the
// float model through the runtime.
TEST(Ptq, Int8OutputsTrackTheFloatModel) {
  const ImageDataset d = RandomImages(64, 8);
  const Checkpoint ck = ZooCheckpoint("lenet5", 3, d);
  auto run = [&](const PtqOptions& o) { return QuantizeAndRun(ck, d, o); };
  PtqOptions fo;
  fo.mode = convert::Mode::kFloat;
  const std::vector<float> reference = run(fo);
  float spread = 0.0f;
  for (float v : reference) spread = std::max(spread, std::fabs(v));
  for (auto m : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kMse, CalibrationMethod::kKl}) {
    for (bool bc : {false, true}) {
      PtqOptions o;
      o.calibration.method = m;
      o.bias_correction = bc;
      o.calibration_samples = 32;
      const std::vector<float> got = run(o);
      double err = 0.0;
      for (size_t i = 0; i < got.size(); ++i) err = std::max<double>(err, std::fabs(got[i] - reference[i]));
      EXPECT_LT(err, 0.05 * spread) << CalibrationMethodName(m) << (bc ? " + bias correction" : "");
    }
  }
  for (auto mode : {convert::Mode::kFloat16, convert::Mode::kDynamic, convert::Mode::kInt16x8}) {
    PtqOptions o;
    o.mode = mode;
    const std::vector<float> got = run(o);
    double err = 0.0;
    for (size_t i = 0; i < got.size(); ++i) err = std::max<double>(err, std::fabs(got[i] - reference[i]));
    // float16 weights are nearly exact; int8 weights (dynamic, int16x8) cost what they cost int8.
    EXPECT_LT(err, (mode == convert::Mode::kFloat16 ? 0.005 : 0.02) * spread) << convert::ModeName(mode);
  }
}

}  // namespace
}  // namespace qforge::quant
