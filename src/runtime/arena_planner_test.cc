// Arena planner tests: hand cases, and random lifetimes checked for collisions and against
// the liveness lower bound.
#include "runtime/arena_planner.h"

#include <gtest/gtest.h>

#include <random>

namespace qforge::runtime {
namespace {

void ExpectNoCollisions(const std::vector<TensorLifetime>& t, const ArenaPlan& plan) {
  for (size_t a = 0; a < t.size(); ++a)
    for (size_t b = a + 1; b < t.size(); ++b) {
      const bool live_together = t[a].first_op <= t[b].last_op && t[b].first_op <= t[a].last_op;
      const bool share_bytes = plan.offsets[a] < plan.offsets[b] + t[b].bytes &&
                               plan.offsets[b] < plan.offsets[a] + t[a].bytes;
      ASSERT_FALSE(live_together && share_bytes) << "tensors " << a << " and " << b;
    }
  for (size_t a = 0; a < t.size(); ++a) {
    ASSERT_EQ(plan.offsets[a] % 64, 0);
    ASSERT_LE(plan.offsets[a] + t[a].bytes, plan.peak_bytes);
  }
}

TEST(ArenaPlanner, ChainReusesBuffers) {
  // A sequential model: tensor i is written by op i and read by op i + 1.
  const std::vector<TensorLifetime> chain{{1000, 0, 1}, {4000, 1, 2}, {500, 2, 3}, {4000, 3, 4}, {64, 4, 5}};
  const ArenaPlan plan = PlanArena(chain);
  ExpectNoCollisions(chain, plan);
  // Most live at op 1: tensors 0 and 1, 1024 + 4032 bytes after 64-byte rounding.
  EXPECT_EQ(LivenessLowerBound(chain), 1024 + 4032);
  EXPECT_EQ(plan.peak_bytes, 1024 + 4032);  // the two 4000-byte tensors share bytes
  EXPECT_EQ(plan.offsets[1], plan.offsets[3]);
}

TEST(ArenaPlanner, AllLiveTogetherStack) {
  const std::vector<TensorLifetime> t{{100, 0, 5}, {200, 0, 5}, {300, 0, 5}};
  const ArenaPlan plan = PlanArena(t);
  ExpectNoCollisions(t, plan);
  EXPECT_EQ(plan.peak_bytes, 128 + 256 + 320);
}

TEST(ArenaPlanner, RandomLifetimesNeverCollideAndStayNearTheBound) {
  const uint64_t seed = 11;
  std::cout << "[ seed ] " << seed << "\n";
  std::mt19937 rng(seed);
  double worst = 1.0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<TensorLifetime> t(2 + rng() % 40);
    for (auto& x : t) {
      x.bytes = 1 + rng() % 100000;
      x.first_op = static_cast<int>(rng() % 30);
      x.last_op = x.first_op + static_cast<int>(rng() % 6);
    }
    const ArenaPlan plan = PlanArena(t);
    ExpectNoCollisions(t, plan);
    const int64_t bound = LivenessLowerBound(t);
    ASSERT_GE(plan.peak_bytes, bound);
    worst = std::max(worst, static_cast<double>(plan.peak_bytes) / bound);
  }
  std::cout << "worst peak / lower bound over 300 random graphs: " << worst << "\n";
  EXPECT_LE(worst, 1.5);
}

}  // namespace
}  // namespace qforge::runtime
