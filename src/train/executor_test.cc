// Executor: autograd on a branching graph against finite differences; wrong input shapes rejected.
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

// Autograd through a branching graph (shared input, Add, Concat) against finite differences
// of the whole graph, on both backends.
TEST(Executor, BranchingGraphGradientsMatchFiniteDifferences) {
  for (Backend backend : {Backend::kReference, Backend::kFast}) {
    GraphBuilder b(5);
    int x = b.Input("x", {2, 6, 6});
    // Sigmoid rather than ReLU: finite differences must not straddle kinks.
    int a = b.Sigmoid(b.BatchNorm(b.Conv2D(x, 3, 3, {.padding = Padding::kSame})));
    int c = b.Conv2D(x, 3, 1);
    int s = b.Add(a, c);
    int cat = b.Concat({s, a});
    int y = b.Dense(b.Flatten(b.AvgPool(cat, 2)), 4);
    auto g = b.Finish({y});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    Rng rng(11);
    Tensor input = testing::RandomTensor({3, 2, 6, 6}, rng);
    std::vector<int32_t> labels{0, 3, 1};
    Executor exec(&*g, backend);
    auto loss = [&]() {
      EXPECT_TRUE(exec.Forward({&input}, true).ok());
      return SoftmaxCrossEntropy(exec.value(g->outputs()[0]), labels, nullptr);
    };
    ASSERT_TRUE(exec.Forward({&input}, true).ok());
    Tensor dlogits;
    SoftmaxCrossEntropy(exec.value(g->outputs()[0]), labels, &dlogits);
    exec.Backward({{g->outputs()[0], &dlogits}});
    std::vector<Tensor> grads;
    for (size_t p = 0; p < g->params().size(); ++p)
      grads.push_back(g->params()[p].trainable ? exec.param_grad(p) : Tensor());
    for (size_t p = 0; p < g->params().size(); ++p) {
      Param& param = g->params()[p];
      if (!param.trainable) continue;
      for (int64_t i = 0; i < std::min<int64_t>(param.tensor.size(), 6); ++i) {
        const float saved = param.tensor[i];
        param.tensor[i] = saved + 1e-2f;
        const double up = loss();
        param.tensor[i] = saved - 1e-2f;
        const double down = loss();
        param.tensor[i] = saved;
        EXPECT_NEAR(grads[p][i], (up - down) / 2e-2, 2e-3 + 2e-2 * std::abs(grads[p][i]))
            << param.name << "[" << i << "]";
      }
    }
  }
}

TEST(Executor, RejectsWrongInputShape) {
  auto g = FindZooModel("lenet5")->build(1);
  ASSERT_TRUE(g.ok());
  Executor exec(&*g);
  Tensor wrong({2, 1, 32, 32});
  Status s = exec.Forward({&wrong}, false);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("image"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace qforge
