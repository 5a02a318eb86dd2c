// Learning-rate schedules: their shapes and the linear warm-up.
#include <gtest/gtest.h>

#include <filesystem>

#include "graph/builder.h"
#include "ops/op_test_harness.h"
#include "data/file_bytes.h"
#include "train/checkpoint.h"
#include "train/executor.h"
#include "train/loss.h"
#include "train/trainer.h"
#include "zoo/zoo.h"

namespace qforge {
namespace {

TEST(LrSchedule, ShapesAndWarmup) {
  LrSchedule s{.type = "cosine", .base_lr = 1.0f, .total_steps = 110, .warmup_steps = 10};
  ASSERT_TRUE(s.Validate().ok());
  EXPECT_FLOAT_EQ(s.At(0), 0.1f);
  EXPECT_FLOAT_EQ(s.At(9), 1.0f);
  EXPECT_FLOAT_EQ(s.At(10), 1.0f);
  EXPECT_NEAR(s.At(60), 0.5f, 1e-6);
  EXPECT_NEAR(s.At(110), 0.0f, 1e-6);
  LrSchedule st{.type = "step", .base_lr = 1.0f, .total_steps = 100, .step_size = 30, .gamma = 0.5f};
  EXPECT_FLOAT_EQ(st.At(29), 1.0f);
  EXPECT_FLOAT_EQ(st.At(30), 0.5f);
  EXPECT_FLOAT_EQ(st.At(65), 0.25f);
  EXPECT_FALSE(LrSchedule{.type = "exp"}.Validate().ok());
  EXPECT_FALSE(LrSchedule{.base_lr = -1}.Validate().ok());
}

}  // namespace
}  // namespace qforge
