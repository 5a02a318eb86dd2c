// Clusterer: weights share trained values and keep their zeros, per-channel centroids, bad
// options rejected.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cluster/clusterer.h"
#include "graph/test_graphs.h"

namespace qforge::cluster {
namespace {

TEST(Clusterer, SharesTrainsAndPreservesZeros) {
  Graph g = testing::ConvDenseGraph(3);
  float* dense = g.params()[2].tensor.data();  // conv1 weight, conv1 bias, dense1 weight, ...
  ASSERT_EQ(g.params()[2].tensor.size(), 1280);
  for (int e = 0; e < 1280; e += 3) dense[e] = 0.0f;  // pruned
  ClusterOptions o;
  o.k = 8;
  o.layer_k["conv1"] = 4;
  StatusOr<Clusterer> c = Clusterer::Create(g, o);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->layers().size(), 2u);
  c->BeforeStep(g);
  EXPECT_EQ(DistinctNonzero(g.params()[0].tensor.data(), 288), 4);
  EXPECT_EQ(DistinctNonzero(dense, 1280), 8);
  for (int e = 0; e < 1280; e += 3) ASSERT_EQ(dense[e], 0.0f);

  // An "optimizer update": every member of dense1's cluster 2 moves by +0.01 or +0.03 (mean
  // +0.02), the others by -0.005; zeros by +1 (must not revive).
  const ClusteredLayer& layer = c->layers()[1];
  const std::vector<float> before = layer.centroids;
  int seen = 0;
  for (int e = 0; e < 1280; ++e) {
    const int a = layer.assignment[e];
    dense[e] += a < 0 ? 1.0f : a == 2 ? (seen++ % 2 ? 0.03f : 0.01f) : -0.005f;
  }
  ASSERT_GT(seen, 0);
  c->AfterStep(g);
  const float expected_2 = before[2] + (seen % 2 ? (0.01f * ((seen + 1) / 2) + 0.03f * (seen / 2)) / seen : 0.02f);
  EXPECT_NEAR(c->layers()[1].centroids[2], expected_2, 1e-6);
  EXPECT_NEAR(c->layers()[1].centroids[0], before[0] - 0.005f, 1e-6);
  for (int e = 0; e < 1280; e += 3) ASSERT_EQ(dense[e], 0.0f);
  EXPECT_EQ(DistinctNonzero(dense, 1280), 8);

  // A clustered graph gives its own values back as centroids (resume).
  StatusOr<Clusterer> again = Clusterer::Create(g, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->layers()[1].assignment, c->layers()[1].assignment);
  for (size_t j = 0; j < 8; ++j) EXPECT_FLOAT_EQ(again->layers()[1].centroids[j], c->layers()[1].centroids[j]);
}

// Per output channel: each of dense1's 10 rows takes its own 4 values (40 in the tensor), a
// row's update moves only that row's centroids, and a resumed run gets the same clustering.
TEST(Clusterer, PerChannelCentroids) {
  Graph g = testing::ConvDenseGraph(3);
  float* dense = g.params()[2].tensor.data();  // [10, 128]
  ClusterOptions o;
  o.k = 4;
  o.per_channel = true;
  o.skip = {"conv1"};
  StatusOr<Clusterer> c = Clusterer::Create(g, o);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->layers().size(), 1u);
  const ClusteredLayer& layer = c->layers()[0];
  ASSERT_EQ(layer.centroids.size(), 40u);
  c->BeforeStep(g);
  for (int row = 0; row < 10; ++row) {
    EXPECT_EQ(DistinctNonzero(dense + row * 128, 128), 4) << "row " << row;
    for (int e = 0; e < 128; ++e) {
      const int a = layer.assignment[row * 128 + e];
      ASSERT_TRUE(a >= row * 4 && a < row * 4 + 4) << "row " << row << " uses centroid " << a;
    }
  }
  EXPECT_EQ(DistinctNonzero(dense, 1280), 40);
  const std::vector<float> before = layer.centroids;
  for (int e = 3 * 128; e < 4 * 128; ++e) dense[e] += 0.01f;  // an update of row 3 only
  c->AfterStep(g);
  for (size_t j = 0; j < 40; ++j)
    EXPECT_NEAR(c->layers()[0].centroids[j], before[j] + (j / 4 == 3 ? 0.01f : 0.0f), 1e-6) << "centroid " << j;
  StatusOr<Clusterer> again = Clusterer::Create(g, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->layers()[0].assignment, c->layers()[0].assignment);
}

TEST(Clusterer, RejectsBadOptions) {
  const Graph g = testing::ConvDenseGraph(3);
  ClusterOptions o;
  o.k = 1;
  EXPECT_FALSE(Clusterer::Create(g, o).ok());
  o.k = 300;
  EXPECT_FALSE(Clusterer::Create(g, o).ok());
  o.k = 16;
  o.layer_k["nothing"] = 4;
  EXPECT_FALSE(Clusterer::Create(g, o).ok());
}

}  // namespace
}  // namespace qforge::cluster
