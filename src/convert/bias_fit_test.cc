// A bias too large for its integer type at scale s_in * s_w[c] (a channel whose weights are tiny
// beside its bias, e.g. nearly pruned): the converter widens that channel's weight scale so the
// bias fits, and the quantized layer still computes what the float one does (the bias used to be
// clamped to the int32 limit, which changed the channel's output to nearly 0).
#include <gtest/gtest.h>

#include <cmath>

#include "convert/emit.h"
#include "runtime/interpreter.h"

namespace qforge::convert {
namespace {

TEST(BiasFit, OnlyAChannelWhoseBiasDoesNotFitGetsAWiderScale) {
  const double s_in = 0.01, limit = std::ldexp(1.0, 30);
  const std::vector<float> kept{0.5f, 1e-3f, 2.0f};
  const std::vector<float> bias{3.0f, -5.0f, 0.0f};
  const std::vector<float> got = ScalesTheBiasFits(bias, s_in, {1e-12f, 1e-3f, 2.0f}, limit);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_GT(got[0], 1e-12f);  // 3 / (0.01 * 1e-12) is far beyond 2^30
  EXPECT_LE(std::fabs(bias[0]) / (s_in * got[0]), limit);
  EXPECT_GT(std::fabs(bias[0]) / (s_in * got[0]), 0.999 * limit);  // widened no more than needed
  EXPECT_EQ(got[1], kept[1]);
  EXPECT_EQ(got[2], kept[2]);
  EXPECT_EQ(ScalesTheBiasFits(bias, s_in, kept, limit), kept);
}

// One dense layer, 4 inputs -> 2 outputs; output 0 has weights of 1e-9 and bias 2.
DeployGraph LayerWithABiasBeyondItsWeights() {
  DeployGraph g;
  g.values = {{"x", {1, 4}}, {"y", {1, 2}}};
  DeployLayer dense;
  dense.kind = LayerKind::kDense;
  dense.name = "dense";
  dense.inputs = {0};
  dense.output = 1;
  dense.weight_shape = {2, 4};
  dense.weights = {1e-9f, -1e-9f, 1e-9f, -1e-9f, 0.5f, -0.25f, 0.1f, 0.3f};
  dense.bias = {2.0f, 0.1f};
  g.layers = {dense};
  g.input = 0;
  g.output = 1;
  return g;
}

std::vector<float> Converted(const DeployGraph& g, Mode mode, const std::vector<float>& x) {
  EmitOptions o;
  o.mode = mode;
  o.ranges = {{-1.0f, 1.0f}, {-1.0f, 3.0f}};
  auto bytes = EmitQfm(g, o);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  if (!bytes.ok()) return {};
  auto model = runtime::Model::FromBytes(bytes->data(), bytes->size(), "bias_fit.qfm");
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (!model.ok()) return {};
  auto it = runtime::Interpreter::Create(*model, {1});
  EXPECT_TRUE(it.ok()) << it.status().ToString();
  if (!it.ok()) return {};
  std::vector<float> y(2);
  EXPECT_TRUE((*it)->SetInput(0, x.data(), 16).ok());
  EXPECT_TRUE((*it)->Invoke().ok());
  EXPECT_TRUE((*it)->GetOutput(0, y.data(), 8).ok());
  return y;
}

TEST(BiasFit, AQuantizedLayerKeepsABiasBeyondItsWeightsScale) {
  const DeployGraph g = LayerWithABiasBeyondItsWeights();
  const std::vector<float> x{0.5f, -0.5f, 0.25f, 1.0f};
  const std::vector<float> want = Converted(g, Mode::kFloat, x);
  ASSERT_EQ(want.size(), 2u);
  EXPECT_NEAR(want[0], 2.0f, 1e-6f);
  for (Mode mode : {Mode::kInt8, Mode::kInt16x8}) {
    SCOPED_TRACE(ModeName(mode));
    const std::vector<float> got = Converted(g, mode, x);
    ASSERT_EQ(got.size(), 2u);
    const float output_step = mode == Mode::kInt8 ? 4.0f / 255 : 3.0f / 32767;
    EXPECT_NEAR(got[0], want[0], output_step);
    EXPECT_NEAR(got[1], want[1], 2 * output_step + 0.01f);  // input and weight rounding too
  }
}

}  // namespace
}  // namespace qforge::convert
