// Pruning schedules: polynomial decay from the first to the last step (Zhu & Gupta), constant,
// and their validation.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "graph/builder.h"
#include "sparsity/pruner.h"

namespace qforge::sparsity {
namespace {

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

}  // namespace
}  // namespace qforge::sparsity
