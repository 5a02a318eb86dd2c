// Cross-layer equalization: it keeps a ReLU model's function, equalizes each pair's channel
// ranges, makes per-tensor int8 weights far more accurate on a model with uneven channels, and
// bias absorption moves a channel's lower bound exactly where the next layer has no padding.
#include "quant/equalize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "convert/emit.h"
#include "convert/lower.h"
#include "quant/ptq.h"
#include "quant/ptq_test_util.h"
#include "zoo/zoo.h"

namespace qforge::quant {
namespace {

using convert::DeployGraph;
using convert::DeployLayer;

// A zoo model whose batch norms after the `uneven` convolutions have very uneven per-channel
// scales (their folded weights' channel ranges differ by up to 100x); the others moderate ones.
Checkpoint UnevenCheckpoint(const std::string& model, const ImageDataset& d, const std::vector<std::string>& uneven) {
  Checkpoint ck;
  auto g = FindZooModel(model)->build(11);
  EXPECT_TRUE(g.ok());
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> log_scale(-2.3f, 2.3f), moderate(0.8f, 1.2f), shift(-0.2f, 0.4f);
  for (const Node& n : g->nodes()) {
    if (n.op->type() != "BatchNorm") continue;
    const Value& in = g->values()[n.inputs[0]];
    const bool spread = std::find(uneven.begin(), uneven.end(), g->nodes()[in.index].name) != uneven.end();
    Tensor& gamma = g->params()[g->values()[n.inputs[1]].index].tensor;
    Tensor& beta = g->params()[g->values()[n.inputs[2]].index].tensor;
    for (int64_t i = 0; i < gamma.size(); ++i) gamma[i] = spread ? std::exp(log_scale(rng)) : moderate(rng);
    for (int64_t i = 0; i < beta.size(); ++i) beta[i] = shift(rng);
  }
  ck.graph = std::move(*g);
  ck.meta.model_name = model;
  ck.meta.preprocess = ComputeNormalization(d);
  return ck;
}

std::vector<float> RunFloat(const DeployGraph& g, const ImageDataset& d, const Preprocess& pre) {
  convert::EmitOptions eo;
  auto bytes = convert::EmitQfm(g, eo);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? RunQfm(*bytes, d, pre) : std::vector<float>();
}

double MaxAbsDifference(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0.0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, static_cast<double>(std::fabs(a[i] - b[i])));
  return m;
}

TEST(Equalize, KeepsTheFunctionAndEqualizesRanges) {
  const ImageDataset d = RandomImages(16, 3);
  const Checkpoint ck = UnevenCheckpoint("resnet", d, {"conv2", "conv4", "conv7"});  // ReLU only: equalization is exact
  auto lowered = convert::Lower(ck.graph);
  ASSERT_TRUE(lowered.ok());
  DeployGraph g = *lowered;
  const EqualizeReport r = EqualizeCrossLayer(&g);
  EXPECT_EQ(r.pairs, 3);  // each block's first convolution into its second (the others feed an Add)
  EXPECT_EQ(r.relu6_replaced, 0);
  EXPECT_LT(r.sweeps, 100);
  const std::vector<float> before = RunFloat(*lowered, d, ck.meta.preprocess), after = RunFloat(g, d, ck.meta.preprocess);
  float spread = 0.0f;
  for (float v : before) spread = std::max(spread, std::fabs(v));
  EXPECT_LT(MaxAbsDifference(before, after), 1e-4 * spread);
  // A pair (a convolution read only by the next one): each channel's ranges now agree.
  auto readers = [&](int v) {
    int n = 0;
    for (const DeployLayer& l : g.layers) n += static_cast<int>(std::count(l.inputs.begin(), l.inputs.end(), v));
    return n;
  };
  size_t first = 0;
  while (first + 1 < g.layers.size() && !(g.layers[first].has_weights() && g.layers[first + 1].has_weights() &&
                                          g.layers[first + 1].inputs[0] == g.layers[first].output &&
                                          readers(g.layers[first].output) == 1))
    ++first;
  ASSERT_LT(first + 1, g.layers.size());
  const DeployLayer &a = g.layers[first], &b = g.layers[first + 1];
  std::vector<double> ra(a.out_channels(), 0.0), rb(a.out_channels(), 0.0);
  for (size_t k = 0; k < a.weights.size(); ++k)
    ra[convert::WeightChannel(a, k)] = std::max<double>(ra[convert::WeightChannel(a, k)], std::fabs(a.weights[k]));
  for (size_t k = 0; k < b.weights.size(); ++k) {
    const size_t c = convert::WeightInputChannel(b, k, ra.size());
    rb[c] = std::max<double>(rb[c], std::fabs(b.weights[k]));
  }
  for (size_t c = 0; c < ra.size(); ++c) EXPECT_NEAR(ra[c], rb[c], 1e-3 * ra[c]) << c;
}

TEST(Equalize, RescuesPerTensorWeights) {
  const ImageDataset d = RandomImages(32, 4);
  // Each block's first convolution (the pairs' first layers) has the uneven channels.
  const Checkpoint ck = UnevenCheckpoint("resnet", d, {"conv2", "conv4", "conv7"});
  PtqOptions fp;
  fp.mode = convert::Mode::kFloat;
  const std::vector<float> reference = QuantizeAndRun(ck, d, fp);
  // 16-bit activations: the error is the weights' (one int8 scale per tensor).
  auto error = [&](bool per_tensor, bool equalize) {
    PtqOptions o;
    o.mode = convert::Mode::kInt16x8;
    o.per_tensor_weights = per_tensor;
    o.equalize = equalize;
    o.calibration_samples = 32;
    const std::vector<float> got = QuantizeAndRun(ck, d, o);
    double sum = 0.0;
    for (size_t i = 0; i < got.size(); ++i) sum += (got[i] - reference[i]) * static_cast<double>(got[i] - reference[i]);
    return sum / static_cast<double>(got.size());
  };
  const double per_channel = error(false, false), plain = error(true, false), equalized = error(true, true);
  EXPECT_GT(plain, 2.0 * per_channel);  // the uneven channels cost per-tensor weights
  EXPECT_LT(equalized, 0.6 * plain) << plain << " -> " << equalized;  // measured: 0.47
}

// MobileNet's ReLU6 layers become ReLU where they start a pair (depthwise into pointwise, and
// pointwise into depthwise): all but the last pointwise convolution, which feeds the pooling and
// the classifier through the global mean.
TEST(Equalize, ReplacesReluSixInPairs) {
  auto g = FindZooModel("mobilenet")->build(1);
  ASSERT_TRUE(g.ok());
  auto lowered = convert::Lower(*g);
  ASSERT_TRUE(lowered.ok());
  DeployGraph d = *lowered;
  const EqualizeReport r = EqualizeCrossLayer(&d);
  EXPECT_EQ(r.pairs, 11);
  EXPECT_EQ(r.relu6_replaced, 11);
  for (size_t i = 0; i + 1 < d.layers.size(); ++i)
    if (d.layers[i].has_weights()) EXPECT_EQ(d.layers[i].activation, convert::FusedActivation::kRelu) << d.layers[i].name;
}

// A dense layer whose first ReLU channel never falls below 2 on the calibration images: its bias
// loses that bound and the next dense layer's bias gains it; the model's outputs do not move.
TEST(Equalize, BiasAbsorptionMovesALowerBoundExactly) {
  DeployGraph g;
  g.values = {{"x", {1, 2}}, {"a", {1, 2}}, {"b", {1, 2}}};
  DeployLayer a;
  a.kind = convert::LayerKind::kDense;
  a.name = "a";
  a.inputs = {0};
  a.output = 1;
  a.activation = convert::FusedActivation::kRelu;
  a.weights = {1.0f, 0.0f, 0.0f, 1.0f};
  a.weight_shape = {2, 2};
  a.bias = {3.0f, 0.0f};
  DeployLayer b = a;
  b.name = "b";
  b.inputs = {1};
  b.output = 2;
  b.activation = convert::FusedActivation::kNone;
  b.weights = {0.5f, -1.0f, 2.0f, 1.0f};
  b.bias = {0.25f, -0.5f};
  g.layers = {a, b};
  g.input = 0;
  g.output = 2;
  // The two dense layers in float on x (channel 0 of a's output is x0 + 3 >= 2 for x0 >= -1).
  auto forward = [&](const std::vector<float>& x) {
    std::vector<float> h(2), y(2);
    for (int o = 0; o < 2; ++o)
      h[o] = std::max(0.0f, g.layers[0].bias[o] + g.layers[0].weights[o * 2] * x[0] + g.layers[0].weights[o * 2 + 1] * x[1]);
    for (int o = 0; o < 2; ++o) y[o] = g.layers[1].bias[o] + g.layers[1].weights[o * 2] * h[0] + g.layers[1].weights[o * 2 + 1] * h[1];
    return y;
  };
  const std::vector<std::vector<float>> inputs = {{1.0f, 0.5f}, {-1.0f, -2.0f}, {4.0f, 3.0f}};
  std::vector<std::vector<float>> before;
  for (const auto& x : inputs) before.push_back(forward(x));
  std::vector<std::vector<float>> lows = {{0.0f, 0.0f}, {2.0f, 0.0f}, {0.0f, 0.0f}};
  EXPECT_EQ(AbsorbBiases(lows, &g), 1);
  EXPECT_FLOAT_EQ(g.layers[0].bias[0], 1.0f);
  EXPECT_FLOAT_EQ(g.layers[0].bias[1], 0.0f);
  EXPECT_FLOAT_EQ(g.layers[1].bias[0], 0.25f + 0.5f * 2.0f);
  EXPECT_FLOAT_EQ(g.layers[1].bias[1], -0.5f + 2.0f * 2.0f);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<float> after = forward(inputs[i]);
    EXPECT_NEAR(after[0], before[i][0], 1e-6f);
    EXPECT_NEAR(after[1], before[i][1], 1e-6f);
  }
}

}  // namespace
}  // namespace qforge::quant
