// Converter tests: the lowered float model run by the runtime computes what the training
// graph computes (batch norm folding, activation fusion, NHWC weight layouts and the flatten
// column order) for every zoo model and a graph using every lowering path; each mode emits
// the types it promises; unsupported graphs fail naming the node; and hundreds of corrupted
// variants of a real converted model are rejected or run without crashing (run under ASan).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "convert/damaged_models.h"
#include "convert/emit.h"
#include "convert/lower.h"
#include "graph/builder.h"
#include "graph/test_graphs.h"
#include "runtime/interpreter.h"
#include "train/executor.h"
#include "zoo/zoo.h"

namespace qforge::convert {
namespace {

// Gives batch-norm statistics and affine parameters non-trivial values.
void RandomizeBatchNorms(Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.5f, 1.5f), v(-0.3f, 0.3f);
  for (Param& p : g.params()) {
    const bool var = p.name.find("running_var") != std::string::npos;
    const bool bn = var || p.name.find("running_mean") != std::string::npos ||
                    p.name.find("gamma") != std::string::npos || p.name.find("beta") != std::string::npos;
    if (!bn) continue;
    for (int64_t i = 0; i < p.tensor.size(); ++i) p.tensor.data()[i] = var || p.name.find("gamma") != std::string::npos ? u(rng) : v(rng);
  }
}

// NCHW [n, c, h, w] -> NHWC.
std::vector<float> ToNhwc(const Tensor& x) {
  const Shape& s = x.shape();
  if (s.size() != 4) return std::vector<float>(x.data(), x.data() + x.size());
  const int64_t n = s[0], c = s[1], hw = s[2] * s[3];
  std::vector<float> out(x.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < hw; ++p) out[(b * hw + p) * c + ch] = x.data()[(b * c + ch) * hw + p];
  return out;
}

std::unique_ptr<runtime::Interpreter> Interpret(const std::vector<uint8_t>& bytes, int batch) {
  auto model = runtime::Model::FromBytes(bytes.data(), bytes.size(), "converted.qfm");
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (!model.ok()) return nullptr;
  auto it = runtime::Interpreter::Create(*model, {batch});
  EXPECT_TRUE(it.ok()) << it.status().message();
  return it.ok() ? std::move(*it) : nullptr;
}

void ExpectFloatModelMatches(Graph& g, uint32_t seed) {
  RandomizeBatchNorms(g, seed);
  constexpr int kBatch = 3;
  Shape in_shape = g.values()[g.inputs()[0]].shape;
  in_shape[0] = kBatch;
  Tensor x(in_shape);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = normal(rng);
  Executor ex(&g, Backend::kReference);
  ASSERT_TRUE(ex.Forward({&x}, /*training=*/false).ok());
  const Tensor& want = ex.value(g.outputs()[0]);

  auto lowered = Lower(g);
  ASSERT_TRUE(lowered.ok()) << lowered.status().ToString();
  auto bytes = EmitQfm(*lowered, {});
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto it = Interpret(*bytes, kBatch);
  ASSERT_TRUE(it);
  const std::vector<float> in = ToNhwc(x);
  ASSERT_TRUE(it->SetInput(0, in.data(), static_cast<int64_t>(in.size() * 4)).ok());
  ASSERT_TRUE(it->Invoke().ok());
  std::vector<float> got(want.size());
  ASSERT_TRUE(it->GetOutput(0, got.data(), static_cast<int64_t>(got.size() * 4)).ok());
  float scale = 1.0f;
  for (int64_t i = 0; i < want.size(); ++i) scale = std::max(scale, std::fabs(want.data()[i]));
  for (int64_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want.data()[i], 2e-4f * scale) << "output " << i;
}

TEST(Convert, FloatModelComputesWhatTheTrainingGraphComputes) {
  for (const ZooModel& m : ZooModels()) {
    SCOPED_TRACE(m.name);
    auto g = m.build(11);
    ASSERT_TRUE(g.ok());
    ExpectFloatModelMatches(*g, 5);
  }
}

// Every lowering path: standalone batch norm, Add + ReLU, HardSwish, Concat, padded average
// pooling, depthwise with multiplier 2, dilation, Dropout, and a flatten of a C x H x W tensor.
TEST(Convert, EveryLoweringPathMatches) {
  GraphBuilder b(3);
  int x = b.Input("x", {3, 11, 11});
  int a = b.BatchNormRelu(b.Conv2D(x, 8, 3, {.stride = 2, .padding = Padding::kSame}));
  int c = b.Conv2D(x, 8, 3, {.stride = 2, .padding = Padding::kSame, .dilation = 2, .bias = false});
  int y = b.Relu(b.Add(a, c));
  y = b.HardSwish(b.DepthwiseConv2D(y, 3, {.padding = Padding::kSame, .groups = 16}));
  y = b.Concat({y, b.Relu6(b.Conv2D(y, 4, 1))});
  y = b.BatchNorm(b.AvgPool(y, 3, {.stride = 2, .padding = Padding::kSame}));
  y = b.Dense(b.Dropout(b.Flatten(b.MaxPool(y, 2)), 0.5f), 7);
  auto g = b.Finish({y});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ExpectFloatModelMatches(*g, 9);
}

// Grouped convolutions (neither ordinary nor depthwise) become per-group slices, convolutions
// and a concatenation, with batch norm and ReLU folded into every group.
TEST(Convert, GroupedConvolutions) {
  GraphBuilder b(4);
  int x = b.Input("x", {8, 7, 7});
  x = b.Relu(b.BatchNorm(b.Conv2D(x, 12, 3, {.padding = Padding::kSame, .groups = 4})));
  x = b.Conv2D(x, 6, 3, {.stride = 2, .dilation = 2, .groups = 2});
  x = b.Dense(b.Flatten(x), 5);
  auto g = b.Finish({x});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ExpectFloatModelMatches(*g, 4);
}

TEST(Convert, UnsupportedGraphsNameTheNode) {
  auto error = [](GraphBuilder& b, int out) {
    auto g = b.Finish({out});
    EXPECT_TRUE(g.ok());
    return g.ok() ? Lower(*g).status().message() : "";
  };
  {
    GraphBuilder b(1);
    const int y = b.OpOfType(testing::TestOnlyCube(), {}, {b.Dense(b.Flatten(b.Input("x", {1, 4, 4})), 3)});
    EXPECT_NE(error(b, y).find("(TestOnlyCube): has no int8 kernel"), std::string::npos);
  }
  {  // a ReLU with nothing to fuse into is a CLIP of its own
    GraphBuilder b(1);
    const int y = b.Relu(b.MaxPool(b.Input("x", {1, 4, 4}), 2));
    auto g = b.Finish({y});
    ASSERT_TRUE(g.ok());
    auto lowered = Lower(*g);
    ASSERT_TRUE(lowered.ok()) << lowered.status().message();
    EXPECT_EQ(lowered->layers.back().elementwise_op, qfm::OpType::CLIP);
    EXPECT_EQ(lowered->layers.back().clip_bounds[0], 0.0f);
  }
  {
    GraphBuilder b(1);
    const int y = b.Relu(b.Flatten(b.Input("x", {2, 3, 3})));
    EXPECT_NE(error(b, y).find("(Relu)"), std::string::npos);
  }
}

// One range for every value of a lowered graph (calibration's stand-in; equal ranges satisfy
// the operators whose input and output must share parameters).
std::vector<ValueRange> FakeRanges(const DeployGraph& g) { return std::vector<ValueRange>(g.values.size(), {-2.0f, 3.0f}); }

TEST(Convert, EachModeEmitsItsTypes) {
  auto g = FindZooModel("lenet5")->build(2);
  ASSERT_TRUE(g.ok());
  auto lowered = Lower(*g);
  ASSERT_TRUE(lowered.ok());
  struct Expect {
    Mode mode;
    qfm::DType weights, bias, activation;
  };
  for (const Expect& e : {Expect{Mode::kFloat, qfm::DType::FLOAT32, qfm::DType::FLOAT32, qfm::DType::FLOAT32},
                          Expect{Mode::kFloat16, qfm::DType::FLOAT16, qfm::DType::FLOAT32, qfm::DType::FLOAT32},
                          Expect{Mode::kDynamic, qfm::DType::INT8, qfm::DType::FLOAT32, qfm::DType::FLOAT32},
                          Expect{Mode::kInt8, qfm::DType::INT8, qfm::DType::INT32, qfm::DType::INT8},
                          Expect{Mode::kInt16x8, qfm::DType::INT8, qfm::DType::INT64, qfm::DType::INT16}}) {
    SCOPED_TRACE(ModeName(e.mode));
    EmitOptions o;
    o.mode = e.mode;
    o.ranges = FakeRanges(*lowered);
    auto bytes = EmitQfm(*lowered, o);
    ASSERT_TRUE(bytes.ok());
    auto it = Interpret(*bytes, 2);
    ASSERT_TRUE(it);
    int convs = 0;
    for (const qfm::Operator* op : *it->model().flat().operators()) {
      if (op->type() != qfm::OpType::CONV_2D && op->type() != qfm::OpType::FULLY_CONNECTED) continue;
      ++convs;
      EXPECT_EQ(it->tensors()[op->inputs()->Get(0)].dtype, e.activation);
      EXPECT_EQ(it->tensors()[op->inputs()->Get(1)].dtype, e.weights);
      EXPECT_EQ(it->tensors()[op->inputs()->Get(2)].dtype, e.bias);
    }
    EXPECT_EQ(convs, 4);
    EXPECT_EQ(it->input(0).dtype, qfm::DType::FLOAT32);  // float in, float out unless int8_io
    EXPECT_EQ(it->output(0).dtype, qfm::DType::FLOAT32);
  }
  EmitOptions io;
  io.mode = Mode::kInt8;
  io.int8_io = true;
  io.ranges = FakeRanges(*lowered);
  auto bytes = EmitQfm(*lowered, io);
  ASSERT_TRUE(bytes.ok());
  auto it = Interpret(*bytes, 1);
  ASSERT_TRUE(it);
  EXPECT_EQ(it->input(0).dtype, qfm::DType::INT8);
  EXPECT_EQ(it->output(0).dtype, qfm::DType::INT8);
}

// The arena planner on the zoo models: buffers are reused (peak well under the no-reuse sum)
// and the peak stays within 1.5x the liveness lower bound, for int8 and float, batch 1 and 64.
TEST(Convert, ArenaPeakIsNearTheLivenessBoundOnZooModels) {
  for (const ZooModel& m : ZooModels()) {
    auto g = m.build(1);
    ASSERT_TRUE(g.ok());
    auto lowered = Lower(*g);
    ASSERT_TRUE(lowered.ok());
    for (Mode mode : {Mode::kInt8, Mode::kFloat}) {
      EmitOptions o;
      o.mode = mode;
      o.ranges = FakeRanges(*lowered);
      auto bytes = EmitQfm(*lowered, o);
      ASSERT_TRUE(bytes.ok());
      for (int batch : {1, 64}) {
        auto it = Interpret(*bytes, batch);
        ASSERT_TRUE(it);
        const runtime::ArenaStats& a = it->arena_stats();
        std::printf("%-9s %-5s batch %2d: peak %9lld B, lower bound %9lld B (%.3fx), no reuse %9lld B\n", m.name.c_str(),
                    ModeName(mode), batch, static_cast<long long>(a.peak_bytes),
                    static_cast<long long>(a.lower_bound_bytes), static_cast<double>(a.peak_bytes) / a.lower_bound_bytes,
                    static_cast<long long>(a.naive_bytes));
        EXPECT_LE(a.peak_bytes, 1.5 * a.lower_bound_bytes) << m.name;
        EXPECT_LT(a.peak_bytes, a.naive_bytes) << m.name;
      }
    }
  }
}

// The loader and interpreter on hundreds of damaged copies of a real int8 lenet5 file:
// truncations, random byte flips and a wrong version are rejected with a message, or (when a
// flip lands in weight bytes) the model still runs — never a crash or sanitizer report.
TEST(Convert, CorruptedRealModelsFailCleanly) {
  auto g = FindZooModel("lenet5")->build(4);
  ASSERT_TRUE(g.ok());
  auto lowered = Lower(*g);
  ASSERT_TRUE(lowered.ok());
  EmitOptions o;
  o.mode = Mode::kInt8;
  o.ranges = FakeRanges(*lowered);
  auto good = EmitQfm(*lowered, o);
  ASSERT_TRUE(good.ok());
  const std::vector<uint8_t>& bytes = *good;
  const uint32_t seed = 424242;
  std::mt19937 rng(seed);
  DamageOutcome outcome;
  for (int i = 0; i < 300; ++i) {  // truncations at spread-out lengths
    std::vector<uint8_t> d(bytes.begin(), bytes.begin() + static_cast<int64_t>(bytes.size() * i / 300));
    TryDamagedModel(d, 2, &outcome);
  }
  for (int i = 0; i < 400; ++i) {  // 1-4 random bytes replaced, mostly in the structure
    std::vector<uint8_t> d = bytes;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      const size_t at = (i % 2 ? bytes.size() - 1 - rng() % 6000 : rng() % bytes.size());
      d[at] = static_cast<uint8_t>(rng());
    }
    TryDamagedModel(d, 2, &outcome);
  }
  EXPECT_EQ(outcome.rejected + outcome.ran, 700) << "seed " << seed;
  EXPECT_GT(outcome.rejected, 300) << "seed " << seed;
  std::printf("corrupted variants: %d rejected, %d loaded and ran (seed %u)\n", outcome.rejected, outcome.ran, seed);
}

}  // namespace
}  // namespace qforge::convert
