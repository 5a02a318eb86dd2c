// Quantizer tests: fake quantization equals the integer grid formula and uses the converter's
// grid; the straight-through gradient; range tracking (moving average from the first batch,
// all-values min/max, fixed); LSQ's and PACT's parameter gradients against their definitions
// and against finite differences where the function is differentiable in them; the FakeQuant
// op (registry, attributes round trip, shape checks, switching off); and a quantizer written
// against the public interface only (power-of-two scales) registered and used by the op.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "convert/emit.h"
#include "ops/op_test_harness.h"
#include "quant/fake_quant_op.h"
#include "quant/quantizer.h"

namespace qforge::quant {
namespace {

using qforge::testing::RandomTensor;

std::unique_ptr<Quantizer> Make(const std::string& type, nlohmann::json attrs) {
  auto q = CreateQuantizer(type, attrs);
  EXPECT_TRUE(q.ok()) << q.status().message();
  return q.ok() ? std::move(*q) : nullptr;
}

// Parameters of a quantizer for x, at their initial values.
std::vector<Tensor> ParamsFor(const Quantizer& q, const Shape& x) {
  std::vector<Tensor> p;
  for (const QuantizerParam& qp : q.Params(x)) p.emplace_back(qp.shape, qp.init);
  return p;
}

TEST(FakeQuantize, EqualsTheIntegerGridFormula) {
  Rng rng(1);
  for (const nlohmann::json& spec : {nlohmann::json{{"bits", 8}}, nlohmann::json{{"bits", 4}, {"symmetric", true}, {"narrow", true}, {"per_channel", true}},
                                    nlohmann::json{{"bits", 3}}}) {
    auto q = Make("minmax", {{"spec", spec}});
    const Tensor x = RandomTensor({6, 5}, rng, -2.0f, 3.0f);
    Tensor y(x.shape());
    q->Forward(true, x, {}, y);
    auto grid = q->CurrentGrid(&x, {});
    ASSERT_TRUE(grid.ok());
    const int64_t channels = static_cast<int64_t>(grid->scale.size());
    for (int64_t i = 0; i < x.size(); ++i) {
      const int64_t c = channels > 1 ? i / (x.size() / channels) : 0;
      const double s = grid->scale[c], zp = grid->zero_point[c];
      const double level = std::clamp<double>(std::round(x[i] / s) + zp, grid->qmin, grid->qmax);
      EXPECT_FLOAT_EQ(y[i], static_cast<float>((level - zp) * s)) << spec.dump() << " element " << i;
    }
  }
}

// Exact ties (k + 1/2 on the grid), their float neighbours, 0.49999997, NaN-free extremes:
// rounding is half away from zero, as std::round.
TEST(FakeQuantize, RoundsHalfAwayFromZeroAtExactTies) {
  Grid g{{0.25f}, {3}, -128, 127};
  std::vector<float> xs;
  for (int k = -140; k <= 140; ++k) {
    const float tie = (k + 0.5f) * 0.25f;
    xs.insert(xs.end(), {tie, std::nextafter(tie, 0.0f), std::nextafter(tie, 1e9f), std::nextafter(tie, -1e9f)});
  }
  xs.insert(xs.end(), {0.49999997f * 0.25f, -0.49999997f * 0.25f, 1e30f, -1e30f, 0.0f, -0.0f});
  Tensor x({static_cast<int64_t>(xs.size())}), y(x.shape());
  std::copy(xs.begin(), xs.end(), x.data());
  FakeQuantize(x, g, y);
  for (size_t i = 0; i < xs.size(); ++i) {
    const double level = std::clamp<double>(std::round(static_cast<double>(xs[i]) / 0.25) + 3, -128, 127);
    EXPECT_EQ(y[static_cast<int64_t>(i)], static_cast<float>((level - 3) * 0.25)) << "x = " << xs[i];
  }
}

TEST(FakeQuantize, UsesTheConvertersGrid) {
  const QuantSpec int8;  // 8-bit asymmetric: activations
  for (auto [lo, hi] : {std::pair{-1.3f, 2.7f}, std::pair{0.2f, 5.0f}, std::pair{-4.0f, -0.5f}}) {
    const Grid g = GridFromRanges(int8, {lo}, {hi});
    const convert::ActivationParams p = convert::ChooseActivationParams({lo, hi}, false);
    EXPECT_EQ(g.scale[0], p.scale);
    EXPECT_EQ(g.zero_point[0], p.zero_point);
  }
}

TEST(FakeQuantize, StraightThroughInsideZeroOutside) {
  auto q = Make("fixed", {{"min", -1.0}, {"max", 1.0}});
  Tensor x({5});
  const float values[] = {-3.0f, -0.99f, 0.0f, 0.7f, 1.5f};
  std::copy(values, values + 5, x.data());
  Tensor y(x.shape()), dy({5}, 2.0f), dx({5});
  q->Forward(true, x, {}, y);
  q->Backward(x, {}, dy, &dx, {});
  EXPECT_EQ(std::vector<float>(dx.data(), dx.data() + 5), (std::vector<float>{0, 2, 2, 2, 0}));
  // Clipped to the ends of the grid; [-1, 1] is nudged so that zero is a level: zero point
  // round(-128 + 127.5) = -1 (half away from zero), so the grid spans [-127, 128] x 2/255.
  const Grid g = *q->CurrentGrid(nullptr, {});
  EXPECT_EQ(g.zero_point[0], -1);
  EXPECT_FLOAT_EQ(y[4], 128 * g.scale[0]);
  EXPECT_FLOAT_EQ(y[0], -127 * g.scale[0]);
}

TEST(Quantizers, MovingAverageStartsFromTheFirstBatch) {
  auto q = Make("ema", {{"decay", 0.9}});
  std::vector<Tensor> p = ParamsFor(*q, {-1, 4});
  std::vector<Tensor*> pp{&p[0], &p[1], &p[2]};
  Tensor x({2, 4}), y({2, 4});
  for (int i = 0; i < 8; ++i) x[i] = static_cast<float>(i) - 2.0f;  // [-2, 5]
  q->Forward(true, x, pp, y);
  EXPECT_FLOAT_EQ(p[0][0], -2.0f);
  EXPECT_FLOAT_EQ(p[1][0], 5.0f);
  for (int i = 0; i < 8; ++i) x[i] = static_cast<float>(i);  // [0, 7]
  q->Forward(true, x, pp, y);
  EXPECT_FLOAT_EQ(p[0][0], 0.9f * -2.0f + 0.1f * 0.0f);
  EXPECT_FLOAT_EQ(p[1][0], 0.9f * 5.0f + 0.1f * 7.0f);
  q->Forward(false, x, pp, y);  // evaluation does not move the range
  EXPECT_FLOAT_EQ(p[1][0], 0.9f * 5.0f + 0.1f * 7.0f);

  auto all = Make("allminmax", nlohmann::json::object());
  std::vector<Tensor> a = ParamsFor(*all, {-1, 4});
  std::vector<Tensor*> ap{&a[0], &a[1], &a[2]};
  for (float shift : {0.0f, -5.0f, 3.0f}) {
    for (int i = 0; i < 8; ++i) x[i] = static_cast<float>(i) + shift;
    all->Forward(true, x, ap, y);
  }
  EXPECT_FLOAT_EQ(a[0][0], -5.0f);
  EXPECT_FLOAT_EQ(a[1][0], 10.0f);
}

// LSQ: the step gradient is sum(dy * d) * g with d = round(x/s) - x/s inside, the clipped
// level minus the zero point outside, g = 1 / sqrt(N * qmax).
TEST(Quantizers, LsqStepGradientFollowsItsDefinition) {
  auto q = Make("lsq", {{"spec", {{"bits", 4}, {"symmetric", true}}}});
  std::vector<Tensor> p = ParamsFor(*q, {16});
  std::vector<Tensor*> pp{&p[0], &p[1]};
  Rng rng(3);
  const Tensor x = RandomTensor({16}, rng, -1.5f, 1.5f);
  Tensor y(x.shape()), dx(x.shape()), dstep({1});
  q->Forward(true, x, pp, y);  // initializes the step from x
  const float s = p[0][0];
  EXPECT_NEAR(s, 2.0 * [&] { double m = 0; for (int i = 0; i < 16; ++i) m += std::fabs(x[i]); return m / 16; }() / std::sqrt(7.0), 1e-6);
  const Tensor dy = RandomTensor({16}, rng);
  q->Backward(x, pp, dy, &dx, {&dstep});
  double want = 0.0;
  for (int i = 0; i < 16; ++i) {
    const double v = x[i] / s, level = std::round(v);
    want += dy[i] * (level < -8 ? -8.0 : level > 7 ? 7.0 : level - v);
  }
  EXPECT_NEAR(dstep[0], want / std::sqrt(16.0 * 7.0), 1e-5);
}

// Where every element is clipped, y = level * s is linear in s: finite differences of
// sum(dy * y) give the LSQ gradient divided by its scale g.
TEST(Quantizers, LsqGradientMatchesFiniteDifferencesOnClippedValues) {
  auto q = Make("lsq", {{"spec", {{"bits", 4}, {"symmetric", true}}}});
  std::vector<Tensor> p = ParamsFor(*q, {8});
  p[0][0] = 0.1f;
  p[1][0] = 1.0f;  // initialized: keep the step
  std::vector<Tensor*> pp{&p[0], &p[1]};
  Tensor x({8}), y({8}), dstep({1});
  for (int i = 0; i < 8; ++i) x[i] = (i % 2 ? 1.0f : -1.0f) * (2.0f + i);  // far outside +-0.8
  Rng rng(4);
  const Tensor dy = RandomTensor({8}, rng);
  auto loss = [&](float step) {
    p[0][0] = step;
    q->Forward(false, x, pp, y);
    double l = 0;
    for (int i = 0; i < 8; ++i) l += dy[i] * y[i];
    return l;
  };
  const double h = 1e-3, fd = (loss(0.1f + h) - loss(0.1f - h)) / (2 * h);
  p[0][0] = 0.1f;
  q->Forward(false, x, pp, y);
  q->Backward(x, pp, dy, nullptr, {&dstep});
  EXPECT_NEAR(dstep[0] * std::sqrt(8.0 * 7.0), fd, 1e-3);
}

// PACT: d/dalpha = sum of dy where x >= alpha (finite differences agree: those outputs equal
// alpha); dx passes for 0 <= x < alpha only.
TEST(Quantizers, PactClippingGradient) {
  auto q = Make("pact", {{"alpha", 2.0}});
  std::vector<Tensor> p = ParamsFor(*q, {-1, 6});
  std::vector<Tensor*> pp{&p[0]};
  Tensor x({1, 6}), y({1, 6}), dx({1, 6}), dalpha({1});
  const float values[] = {-1.0f, 0.5f, 1.0f, 2.5f, 3.0f, 10.0f};
  std::copy(values, values + 6, x.data());
  Tensor dy({1, 6});
  for (int i = 0; i < 6; ++i) dy[i] = 0.1f * (i + 1);
  q->Forward(true, x, pp, y);
  EXPECT_FLOAT_EQ(y[5], 2.0f);  // clipped at alpha
  EXPECT_FLOAT_EQ(y[0], 0.0f);
  q->Backward(x, pp, dy, &dx, {&dalpha});
  EXPECT_FLOAT_EQ(dalpha[0], 0.4f + 0.5f + 0.6f);
  EXPECT_EQ(std::vector<float>(dx.data(), dx.data() + 6), (std::vector<float>{0, 0.2f, 0.3f, 0, 0, 0}));
  // Finite differences over the clipped elements only.
  auto clipped_loss = [&](float alpha) {
    p[0][0] = alpha;
    q->Forward(false, x, pp, y);
    return 0.4 * y[3] + 0.5 * y[4] + 0.6 * y[5];
  };
  const double h = 1e-3;
  EXPECT_NEAR((clipped_loss(2.0f + h) - clipped_loss(2.0f - h)) / (2 * h), 1.5, 1e-3);
}

TEST(FakeQuantOp, RegistryAttributesShapesAndSwitchingOff) {
  ASSERT_TRUE(RegisterQuantOps().ok());
  ASSERT_TRUE(RegisterQuantOps().ok());  // idempotent
  const nlohmann::json attrs{{"quantizer", "ema"}, {"config", {{"decay", 0.5}, {"spec", {{"bits", 6}}}}}};
  auto op = CreateOp("FakeQuant", attrs);
  ASSERT_TRUE(op.ok()) << op.status().message();
  EXPECT_EQ((*op)->attrs()["config"]["spec"]["bits"], 6);
  EXPECT_EQ((*op)->attrs()["config"]["decay"], 0.5);
  auto again = CreateOp("FakeQuant", (*op)->attrs());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->attrs(), (*op)->attrs());
  EXPECT_TRUE((*op)->InferShape({{-1, 3}, {1}, {1}, {1}}).ok());
  EXPECT_NE((*op)->InferShape({{-1, 3}, {2}, {1}, {1}}).status().message().find("parameter 'min' has shape [2], expected [1]"),
            std::string::npos);
  EXPECT_NE((*op)->InferShape({{-1, 3}}).status().message().find("takes 3 parameter inputs"), std::string::npos);
  EXPECT_NE(CreateOp("FakeQuant", {{"quantizer", "nonesuch"}}).status().message().find("unknown quantizer"), std::string::npos);
  EXPECT_FALSE(CreateOp("FakeQuant", {{"quantizer", "ema"}, {"config", {{"decay", 1.5}}}}).ok());
  EXPECT_FALSE(CreateOp("FakeQuant", {{"quantizer", "minmax"}, {"config", {{"spec", {{"bits", 1}}}}}}).ok());

  auto& fq = static_cast<FakeQuantOp&>(**op);
  fq.set_enabled(false);
  std::vector<Tensor> inputs{Tensor({2, 3}, 0.123f), Tensor({1}), Tensor({1}), Tensor({1})};
  const Tensor y = qforge::testing::RunForward(fq, inputs, {});
  EXPECT_EQ(y[4], 0.123f);  // passed through unquantized
}

// A quantizer written against the public interface only: per-tensor symmetric with a
// power-of-two scale (shift-only hardware), range from the current value.
class PowerOfTwoQuantizer : public Quantizer {
 public:
  using Quantizer::Quantizer;
  std::string_view type() const override { return "pow2"; }
  std::vector<QuantizerParam> Params(const Shape&) const override { return {}; }
  void Forward(bool, const Tensor& x, const std::vector<Tensor*>& p, Tensor& y) override {
    grid_ = *CurrentGrid(&x, p);
    FakeQuantize(x, grid_, y);
  }
  void Backward(const Tensor& x, const std::vector<Tensor*>&, const Tensor& dy, Tensor* dx,
                const std::vector<Tensor*>&) override {
    if (dx) StraightThrough(x, grid_, dy, *dx);
  }
  StatusOr<Grid> CurrentGrid(const Tensor* x, const std::vector<Tensor*>&) const override {
    float m = 0.0f;
    for (int64_t i = 0; i < x->size(); ++i) m = std::max(m, std::fabs((*x)[i]));
    Grid g;
    g.qmin = spec().qmin();
    g.qmax = spec().qmax();
    g.scale = {std::exp2(std::ceil(std::log2(std::max(m, 1e-12f) / g.qmax)))};
    g.zero_point = {0};
    return g;
  }

 private:
  Grid grid_;
};

TEST(FakeQuantOp, CustomQuantizerThroughThePublicInterface) {
  ASSERT_TRUE(RegisterQuantOps().ok());
  ASSERT_TRUE(RegisterQuantizer("pow2", [](const QuantSpec& s, const nlohmann::json&) -> StatusOr<std::unique_ptr<Quantizer>> {
                return std::unique_ptr<Quantizer>(new PowerOfTwoQuantizer(s));
              }).ok());
  auto op = CreateOp("FakeQuant", {{"quantizer", "pow2"}, {"config", {{"spec", {{"bits", 8}, {"symmetric", true}}}}}});
  ASSERT_TRUE(op.ok()) << op.status().message();
  Rng rng(9);
  std::vector<Tensor> inputs{RandomTensor({4, 8}, rng, -3.0f, 3.0f)};
  const Tensor y = qforge::testing::RunForward(**op, inputs, {});
  for (int64_t i = 0; i < y.size(); ++i) {
    const double level = y[i] / (4.0 / 128.0);  // max |x| < 3 -> scale 2^-5
    EXPECT_EQ(level, std::round(level)) << i;
    EXPECT_NEAR(y[i], inputs[0][i], 2.0 / 128.0);
  }
}

}  // namespace
}  // namespace qforge::quant
