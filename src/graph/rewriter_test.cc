// GraphWalk and GraphRewriter: readers (graph outputs included), sole-reader patterns, nodes a
// pattern consumed being skipped, and a rewrite that drops a node and clones the rest.
#include "graph/rewriter.h"

#include <gtest/gtest.h>

#include "graph/builder.h"
#include "ops/activations.h"
#include "ops/conv2d.h"

namespace qforge {
namespace {

// conv1 -> relu -> conv2 (output), conv1 also an output.
Graph ConvReluConv() {
  GraphBuilder b(1);
  const int x = b.Input("x", {1, 6, 6});
  const int c1 = b.Conv2D(x, 4, 3);
  const int y = b.Conv2D(b.Relu(c1), 2, 1);
  auto g = b.Finish({y, c1});
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return std::move(*g);
}

TEST(GraphWalk, ReadersAndSoleReader) {
  const Graph g = ConvReluConv();
  GraphWalk walk(g);
  const int relu = g.FindValue("relu1"), conv1 = g.FindValue("conv1");
  ASSERT_GE(relu, 0);
  ASSERT_GE(conv1, 0);
  EXPECT_EQ(walk.readers(conv1), (std::vector<int>{1, -1}));  // the ReLU node, and the graph output
  EXPECT_TRUE(walk.IsGraphOutput(conv1));
  EXPECT_EQ(walk.SoleReader(conv1, {ReluOp::kType}), -1);  // also an output
  EXPECT_EQ(walk.SoleReader(relu, {Conv2DOp::kType}), 2);
  EXPECT_EQ(walk.SoleReader(relu, {ReluOp::kType}), -1);  // wrong type
}

TEST(GraphWalk, SkipsNodesMarkedDone) {
  const Graph g = ConvReluConv();
  GraphWalk walk(g);
  std::vector<std::string> visited;
  ASSERT_TRUE(walk.Walk([&](const Node& n) {
                    visited.push_back(n.name);
                    if (n.op->type() == Conv2DOp::kType && n.name == "conv1") walk.MarkDone(1);
                    return Status::Ok();
                  }).ok());
  EXPECT_EQ(visited, (std::vector<std::string>{"conv1", "conv2"}));
}

TEST(GraphRewriter, DropsANodeAndClonesTheRest) {
  const Graph g = ConvReluConv();
  GraphRewriter r(g);
  ASSERT_TRUE(r.CopyParamsAndInputs().ok());
  ASSERT_TRUE(r.Walk([&](const Node& n) -> Status {
                 if (n.op->type() == ReluOp::kType) {  // reads through: the ReLU's readers take its input
                   r.Map(n.output, r.mapped(n.inputs[0]));
                   return Status::Ok();
                 }
                 return r.Clone(n).status();
               }).ok());
  auto out = r.Finish();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->nodes().size(), 2u);
  EXPECT_EQ(out->nodes()[1].inputs[0], out->nodes()[0].output);
  EXPECT_EQ(out->params().size(), g.params().size());
  EXPECT_EQ(out->outputs().size(), 2u);
  EXPECT_EQ(out->values()[out->outputs()[1]].name, "conv1");
}

}  // namespace
}  // namespace qforge
