// Optimizers: SGD with momentum and Nesterov, and Adam, against hand computation.
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

Graph OneWeightGraph(float w0) {
  Graph g;
  int x = *g.AddInput("x", {1});
  Tensor w({1, 1}, w0);
  int wv = *g.AddParam("w", w, true);
  int y = *g.AddNode("dense", std::move(CreateOp("Dense", nlohmann::json::object())).value(), {x, wv});
  EXPECT_TRUE(g.SetOutputs({y}).ok());
  return g;
}

TEST(Optimizer, SgdMomentumNesterovAndAdamMatchHandComputation) {
  Tensor grad({1, 1}, 0.5f);
  {
    Graph g = OneWeightGraph(1.0f);
    Optimizer sgd({.type = "sgd", .momentum = 0.9f});
    sgd.Step(g, {&grad}, 0.1f);  // v = 0.5, w = 1 - 0.05
    sgd.Step(g, {&grad}, 0.1f);  // v = 0.95, w = 0.95 - 0.095
    EXPECT_NEAR(g.params()[0].tensor[0], 0.855f, 1e-6);
  }
  {
    Graph g = OneWeightGraph(1.0f);
    Optimizer nag({.type = "sgd", .momentum = 0.9f, .nesterov = true, .weight_decay = 0.1f});
    nag.Step(g, {&grad}, 0.1f);  // g' = 0.6, v = 0.6, step = 0.6 + 0.54 = 1.14
    EXPECT_NEAR(g.params()[0].tensor[0], 1.0f - 0.114f, 1e-6);
  }
  {
    Graph g = OneWeightGraph(1.0f);
    Optimizer adam({.type = "adam"});
    adam.Step(g, {&grad}, 0.01f);  // first Adam step moves by lr * sign(g)
    EXPECT_NEAR(g.params()[0].tensor[0], 0.99f, 1e-5);
    Graph g2 = OneWeightGraph(1.0f);
    Optimizer adamw({.type = "adamw", .weight_decay = 0.5f});
    adamw.Step(g2, {&grad}, 0.01f);  // decoupled decay: w *= 1 - 0.005, then - 0.01
    EXPECT_NEAR(g2.params()[0].tensor[0], 0.995f - 0.01f, 1e-5);
  }
  EXPECT_FALSE(ValidateOptimizerConfig({.type = "rmsprop"}).ok());
}

}  // namespace
}  // namespace qforge
