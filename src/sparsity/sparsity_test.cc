// Pruning: the schedules' target and update steps, magnitude masks in every pattern (the
// sparsity reached, N:M validity, blocks whole, the smallest magnitudes gone), pattern
// parsing, and the pruner on a graph: masks follow the schedule, pruned weights stay zero
// through an update, per-layer targets, skipped layers, resuming from the zeros, keeping a
// pruned model's zeros.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "graph/builder.h"
#include "sparsity/pruner.h"

namespace qforge::sparsity {
namespace {

Tensor RandomTensor(const Shape& shape, uint32_t seed) {
  Tensor t(shape);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t e = 0; e < t.size(); ++e) t[e] = normal(rng);
  return t;
}

TEST(Schedule, PolynomialDecayFromBeginToEnd) {
  PruningSchedule s;
  s.initial_sparsity = 0.1;
  s.final_sparsity = 0.9;
  s.begin_step = 100;
  s.end_step = 1100;
  s.frequency = 250;
  ASSERT_TRUE(s.Validate().ok());
  EXPECT_EQ(s.SparsityAt(99), 0.0);
  EXPECT_DOUBLE_EQ(s.SparsityAt(100), 0.1);
  // s_t = s_f + (s_i - s_f) (1 - p)^3, p = 0.5 at step 600.
  EXPECT_NEAR(s.SparsityAt(600), 0.9 + (0.1 - 0.9) * 0.125, 1e-12);
  EXPECT_DOUBLE_EQ(s.SparsityAt(1100), 0.9);
  EXPECT_DOUBLE_EQ(s.SparsityAt(5000), 0.9);
  for (int64_t step = 101; step <= 1100; ++step) EXPECT_GE(s.SparsityAt(step), s.SparsityAt(step - 1));
  std::vector<int64_t> updates;
  for (int64_t step = 0; step < 2000; ++step)
    if (s.UpdatesAt(step)) updates.push_back(step);
  EXPECT_EQ(updates, (std::vector<int64_t>{100, 350, 600, 850, 1100}));
}

TEST(Schedule, ConstantAndValidation) {
  PruningSchedule s;
  s.kind = PruningSchedule::Kind::kConstant;
  s.final_sparsity = 0.5;
  s.begin_step = 10;
  s.end_step = -1;
  s.frequency = 5;
  ASSERT_TRUE(s.Validate().ok());
  EXPECT_EQ(s.SparsityAt(9), 0.0);
  EXPECT_EQ(s.SparsityAt(10), 0.5);
  EXPECT_TRUE(s.UpdatesAt(100000));
  EXPECT_FALSE(s.UpdatesAt(12));
  s.final_sparsity = 1.0;
  EXPECT_FALSE(s.Validate().ok());
  s.final_sparsity = 0.5;
  s.frequency = 0;
  EXPECT_FALSE(s.Validate().ok());
  PruningSchedule poly;
  poly.end_step = poly.begin_step;
  EXPECT_FALSE(poly.Validate().ok());
  EXPECT_FALSE(ParseScheduleKind("cubic").ok());
}

TEST(Pattern, ParseAndName) {
  EXPECT_EQ(SparsityPattern::Parse("2:4")->Name(), "2:4");
  EXPECT_EQ(SparsityPattern::Parse("1:8")->Name(), "1:8");
  EXPECT_EQ(SparsityPattern::Parse("block")->Name(), "block:1x4");
  EXPECT_EQ(SparsityPattern::Parse("block:1x8")->Name(), "block:1x8");
  EXPECT_EQ(SparsityPattern::Parse("unstructured")->Name(), "unstructured");
  EXPECT_EQ(SparsityPattern::Parse("channel")->Name(), "channel");
  EXPECT_EQ(SparsityPattern::Parse("channel:16")->Name(), "channel:16");
  for (const char* bad : {"4:2", "0:4", "2:", ":4", "block:1x1", "block:2x4", "block:1x", "dense", "2:100", "channel:",
                          "channel:0", "channel:x", "channel:1000"})
    EXPECT_FALSE(SparsityPattern::Parse(bad).ok()) << bad;
}

TEST(Mask, UnstructuredPrunesTheSmallest) {
  const Tensor w = RandomTensor({32, 16, 3, 3}, 1);
  const SparsityPattern p;
  for (double s : {0.0, 0.5, 0.9, 0.97}) {
    const std::vector<uint8_t> mask = MagnitudeMask(w, p, s);
    int64_t pruned = 0;
    float largest_pruned = 0, smallest_kept = 1e9f;
    for (int64_t e = 0; e < w.size(); ++e) {
      pruned += !mask[e];
      if (mask[e]) smallest_kept = std::min(smallest_kept, std::fabs(w[e]));
      else largest_pruned = std::max(largest_pruned, std::fabs(w[e]));
    }
    EXPECT_EQ(pruned, static_cast<int64_t>(std::floor(s * w.size())));
    if (pruned > 0) {
      EXPECT_LE(largest_pruned, smallest_kept);
    }
  }
}

TEST(Mask, NMKeepsNOfEveryMAlongInputChannels) {
  const Tensor w = RandomTensor({8, 16, 3, 3}, 2);
  for (auto [n, m] : {std::pair{2, 4}, std::pair{1, 4}, std::pair{4, 8}}) {
    SparsityPattern p;
    p.kind = SparsityPattern::Kind::kNM;
    p.n = n;
    p.m = m;
    const std::vector<uint8_t> mask = MagnitudeMask(w, p, /*ignored*/ 0.9);
    // Groups: m consecutive input channels at one output channel and tap.
    for (int o = 0; o < 8; ++o)
      for (int i0 = 0; i0 < 16; i0 += m)
        for (int t = 0; t < 9; ++t) {
          int kept = 0;
          float smallest_kept = 1e9f, largest_pruned = 0;
          for (int j = 0; j < m; ++j) {
            const int64_t e = (o * 16 + i0 + j) * 9 + t;
            kept += mask[e];
            if (mask[e]) smallest_kept = std::min(smallest_kept, std::fabs(w[e]));
            else largest_pruned = std::max(largest_pruned, std::fabs(w[e]));
          }
          ASSERT_EQ(kept, n) << n << ":" << m;
          ASSERT_LE(largest_pruned, smallest_kept);
        }
  }
}

TEST(Mask, BlocksArePrunedWhole) {
  const Tensor w = RandomTensor({64, 128}, 3);  // a dense layer [out, in]
  SparsityPattern p;
  p.kind = SparsityPattern::Kind::kBlock;
  p.block = 4;
  const std::vector<uint8_t> mask = MagnitudeMask(w, p, 0.75);
  int64_t pruned_blocks = 0;
  for (int o = 0; o < 64; ++o)
    for (int i0 = 0; i0 < 128; i0 += 4) {
      int kept = 0;
      for (int j = 0; j < 4; ++j) kept += mask[o * 128 + i0 + j];
      ASSERT_TRUE(kept == 0 || kept == 4);
      pruned_blocks += kept == 0;
    }
  EXPECT_EQ(pruned_blocks, 64 * 32 * 3 / 4);
  EXPECT_EQ(p.Unfit({8, 6, 3, 3}), "its 6 input channels do not split into groups of 4");
  EXPECT_EQ(p.Unfit({8, 16}), "");
}

// Whole filters by mean |w|: the weakest go; channel:M keeps a multiple of M.
TEST(Mask, ChannelsArePrunedWholeWeakestFirst) {
  Tensor w = RandomTensor({40, 8, 3, 3}, 5);
  for (int64_t k = 0; k < 72; ++k) w[7 * 72 + k] *= 0.01f;  // channel 7 is the weakest
  SparsityPattern p;
  p.kind = SparsityPattern::Kind::kChannel;
  for (int multiple : {1, 16}) {
    p.block = multiple;
    const std::vector<uint8_t> mask = MagnitudeMask(w, p, 0.3);
    int pruned = 0;
    for (int o = 0; o < 40; ++o) {
      const int kept = std::accumulate(mask.begin() + o * 72, mask.begin() + (o + 1) * 72, 0);
      ASSERT_TRUE(kept == 0 || kept == 72) << "channel " << o;
      pruned += kept == 0;
    }
    EXPECT_EQ(mask[7 * 72], 0);
    EXPECT_EQ(pruned, multiple == 1 ? 12 : 8) << multiple;  // 28 kept, or 32 = 2 x 16
  }
}

// x [4, 4, 4] -> conv1 [8, 4, 3, 3] (same padding) -> dense1 [10, 8 * 4 * 4]: two prunable
// weights, 288 and 1280 elements.
Graph SmallGraph() {
  GraphBuilder b(1);
  int x = b.Input("x", {4, 4, 4});
  ConvOptions same;
  same.padding = Padding::kSame;
  x = b.Conv2D(x, 8, 3, same);
  x = b.Flatten(x);
  x = b.Dense(x, 10);
  return b.Finish({x}).value();
}

TEST(Pruner, FollowsTheScheduleAndKeepsPrunedWeightsAtZero) {
  Graph g = SmallGraph();
  PruneOptions o;
  o.schedule.final_sparsity = 0.8;
  o.schedule.begin_step = 0;
  o.schedule.end_step = 40;
  o.schedule.frequency = 10;
  o.min_elements = 100;
  o.layer_targets["dense1"] = 0.5;
  StatusOr<Pruner> p = Pruner::Create(g, o, 0);
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->layers().size(), 2u);
  for (int64_t step = 0; step <= 45; ++step) {
    p->BeforeStep(step, g);
    const SparsityReport r = MeasureSparsity(g);
    const double progress = o.schedule.SparsityAt(step - step % 10 > 40 ? 40 : step - step % 10) / 0.8;
    EXPECT_NEAR(r.layers[0].second, 0.8 * progress, 1.0 / 288 + 1e-9) << "conv, step " << step;
    EXPECT_NEAR(r.layers[1].second, 0.5 * progress, 1.0 / 1280 + 1e-9) << "dense, step " << step;
    // An optimizer update touches every weight; AfterStep puts the pruned ones back to zero.
    for (Param& param : g.params())
      for (int64_t e = 0; e < param.tensor.size(); ++e) param.tensor[e] += 0.01f;
    p->AfterStep(g);
    EXPECT_NEAR(MeasureSparsity(g).layers[0].second, r.layers[0].second, 1e-12);
  }
  EXPECT_NEAR(MeasureSparsity(g).layers[0].second, 0.8, 1.0 / 288);
  EXPECT_NEAR(MeasureSparsity(g).layers[1].second, 0.5, 1.0 / 1280);

  // Resuming past the begin step: the masks come back from the zeros.
  StatusOr<Pruner> resumed = Pruner::Create(g, o, 46);
  ASSERT_TRUE(resumed.ok());
  for (size_t l = 0; l < 2; ++l) EXPECT_EQ(resumed->layers()[l].mask, p->layers()[l].mask);
}

TEST(Pruner, KeepZerosHoldsTheExistingMaskOnly) {
  Graph g = SmallGraph();
  float* dense = g.params()[2].tensor.data();  // dense1's weights
  for (int e = 0; e < 1280; e += 5) dense[e] = 0.0f;
  PruneOptions o;
  o.keep_zeros = true;
  o.min_elements = 100;
  StatusOr<Pruner> p = Pruner::Create(g, o, 0);
  ASSERT_TRUE(p.ok()) << p.status().message();
  for (int64_t step = 0; step < 300; step += 50) {  // no schedule: the masks never change
    p->BeforeStep(step, g);
    for (int64_t e = 0; e < 1280; ++e) dense[e] += 0.5f;
    p->AfterStep(g);
    for (int64_t e = 0; e < 1280; ++e) ASSERT_EQ(dense[e] == 0.0f, e % 5 == 0) << e;
  }
}

TEST(Pruner, SkipsWhatCannotTakeThePattern) {
  Graph g = SmallGraph();
  PruneOptions o;
  o.pattern = *SparsityPattern::Parse("2:4");
  o.min_elements = 100;
  // conv1 has 4 input channels (fits 2:4), dense1 128 (fits); conv1 skipped by name.
  o.skip = {"conv1"};
  StatusOr<Pruner> p = Pruner::Create(g, o, 0);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->layers().size(), 1u);
  EXPECT_EQ(p->layers()[0].node, "dense1");
  EXPECT_DOUBLE_EQ(p->layers()[0].target, 0.5);
  o.skip.clear();
  o.pattern = *SparsityPattern::Parse("block:1x8");  // 4 input channels: not whole blocks of 8
  p = Pruner::Create(g, o, 0);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->skipped().size(), 1u);
  EXPECT_NE(p->skipped()[0].find("conv1: its 4 input channels"), std::string::npos);
  o.layer_targets["nothing"] = 0.5;
  EXPECT_FALSE(Pruner::Create(g, o, 0).ok());
}

}  // namespace
}  // namespace qforge::sparsity
