// Softmax cross-entropy: value and gradient against finite differences; ArgMax.
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

TEST(Loss, SoftmaxCrossEntropyValueAndGradient) {
  Tensor logits({2, 3});
  const float v[] = {1, 2, 3, 0, 0, 0};
  for (int i = 0; i < 6; ++i) logits[i] = v[i];
  std::vector<int32_t> labels{2, 0};
  Tensor grad;
  const double loss = SoftmaxCrossEntropy(logits, labels, &grad);
  const double l0 = -std::log(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)));
  const double l1 = std::log(3.0);
  EXPECT_NEAR(loss, (l0 + l1) / 2, 1e-6);
  for (int i = 0; i < 6; ++i) {
    Tensor up = logits, down = logits;
    up[i] += 1e-3f;
    down[i] -= 1e-3f;
    const double numeric = (SoftmaxCrossEntropy(up, labels, nullptr) -
                            SoftmaxCrossEntropy(down, labels, nullptr)) / 2e-3;
    EXPECT_NEAR(grad[i], numeric, 1e-4);
  }
  EXPECT_EQ(ArgMax(logits)[0], 2);
}

}  // namespace
}  // namespace qforge
