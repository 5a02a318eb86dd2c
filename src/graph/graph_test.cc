// Graph tests: builder shapes, errors naming nodes, JSON round trip.
#include <gtest/gtest.h>

#include "graph/builder.h"

namespace qforge {
namespace {

TEST(Graph, BuilderInfersShapes) {
  GraphBuilder b(1);
  int x = b.Input("image", {1, 28, 28});
  x = b.Conv2D(x, 8, 3, {.padding = Padding::kSame});
  x = b.BatchNorm(x);
  x = b.Relu(x);
  int y = b.DepthwiseConv2D(x, 3, {.stride = 2, .padding = Padding::kSame});
  y = b.Conv2D(y, 8, 1);
  int z = b.MaxPool(x, 2);
  x = b.Add(y, z);
  x = b.Flatten(x);
  x = b.Dense(x, 10);
  auto g = b.Finish({x});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->values()[g->outputs()[0]].shape, (Shape{-1, 10}));
  EXPECT_EQ(g->values()[g->FindValue("dwconv1")].shape, (Shape{-1, 8, 14, 14}));
  EXPECT_EQ(g->params()[0].name, "conv1/weight");
}

TEST(Graph, ErrorsNameTheNode) {
  GraphBuilder b(1);
  int x = b.Input("image", {1, 28, 28});
  int a = b.Conv2D(x, 8, 3);
  int c = b.Conv2D(x, 8, 5);
  int sum = b.Add(a, c);
  auto g = b.Finish({sum});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("add1"), std::string::npos) << g.status().message();
}

TEST(Graph, JsonRoundTripAndCorruptionDetected) {
  GraphBuilder b(3);
  int x = b.Input("image", {1, 8, 8});
  x = b.Conv2D(x, 4, 3, {.stride = 2, .padding = Padding::kSame});
  x = b.BatchNorm(x);
  x = b.Relu6(x);
  x = b.GlobalAvgPool(x);
  x = b.Dense(x, 3);
  auto g = b.Finish({x});
  ASSERT_TRUE(g.ok());
  const auto j = g->ToJson();
  auto back = Graph::FromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), j);

  auto bad = j;
  bad["nodes"][1]["inputs"][0] = "nope";
  EXPECT_FALSE(Graph::FromJson(bad).ok());
  bad = j;
  bad["nodes"][0]["type"] = "Conv3D";
  EXPECT_FALSE(Graph::FromJson(bad).ok());
  bad = j;
  bad["params"][0]["shape"] = {4, 1, 5, 5};  // weight no longer matches the kernel
  EXPECT_FALSE(Graph::FromJson(bad).ok());
  bad = j;
  bad["nodes"] = 7;
  EXPECT_FALSE(Graph::FromJson(bad).ok());
  // Parameters larger than the data that backs them are refused before allocation.
  EXPECT_TRUE(Graph::FromJson(j, 1000).ok());
  EXPECT_FALSE(Graph::FromJson(j, 10).ok());
}

}  // namespace
}  // namespace qforge
