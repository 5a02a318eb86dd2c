// Pruner: follows its schedule and keeps pruned weights at zero; keep-zeros mode; layers that
// cannot take the pattern are skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "graph/test_graphs.h"
#include "sparsity/pruner.h"

namespace qforge::sparsity {
namespace {

TEST(Pruner, FollowsTheScheduleAndKeepsPrunedWeightsAtZero) {
  Graph g = testing::ConvDenseGraph(1);
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
  Graph g = testing::ConvDenseGraph(1);
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
  Graph g = testing::ConvDenseGraph(1);
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
