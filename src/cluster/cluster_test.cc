// Weight clustering: every initialization gives k ordered centroids inside the weights'
// range (linear evenly spaced, density at the quantiles, random and k-means++ on weights,
// reproducible by seed), nearest-centroid assignment, k-means reaching the cluster means, and
// the clusterer on a graph: at most k shared values per tensor, zeros preserved, centroids
// moved by the mean of their members' updates, and a clustered graph giving back its own
// values as centroids.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cluster/clusterer.h"
#include "graph/builder.h"

namespace qforge::cluster {
namespace {

std::vector<float> Normal(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.1f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(Centroids, EveryInitialization) {
  const std::vector<float> values = Normal(5000, 1);
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  for (const char* name : {"linear", "random", "density", "kmeans++"}) {
    Rng rng(7), again(7);
    const CentroidInit init = *ParseCentroidInit(name);
    const std::vector<float> c = InitCentroids(values, 16, init, rng);
    ASSERT_EQ(c.size(), 16u) << name;
    EXPECT_TRUE(std::is_sorted(c.begin(), c.end())) << name;
    EXPECT_GE(c.front(), *lo) << name;
    EXPECT_LE(c.back(), *hi) << name;
    EXPECT_EQ(InitCentroids(values, 16, init, again), c) << name << " is reproducible by seed";
  }
  Rng rng(1);
  const std::vector<float> linear = InitCentroids(values, 16, CentroidInit::kLinear, rng);
  EXPECT_FLOAT_EQ(linear.front(), *lo);
  EXPECT_FLOAT_EQ(linear.back(), *hi);
  EXPECT_NEAR(linear[1] - linear[0], (*hi - *lo) / 15, 1e-6);
  // Density: the centroids' spacing follows the data, closer near the mode (0) than at the ends.
  const std::vector<float> density = InitCentroids(values, 16, CentroidInit::kDensity, rng);
  EXPECT_LT(density[8] - density[7], density[1] - density[0]);
  // Fewer distinct values than k: each is a centroid.
  EXPECT_EQ(InitCentroids({0.5f, -1.0f, 0.5f, 2.0f}, 8, CentroidInit::kLinear, rng), (std::vector<float>{-1.0f, 0.5f, 2.0f}));
  EXPECT_FALSE(ParseCentroidInit("kmeans").ok());
}

TEST(Centroids, NearestAndKMeans) {
  const std::vector<float> c = {-1.0f, 0.0f, 2.0f};
  EXPECT_EQ(Nearest(c, -5.0f), 0);
  EXPECT_EQ(Nearest(c, -0.5f), 0);  // tie: the lower
  EXPECT_EQ(Nearest(c, -0.4f), 1);
  EXPECT_EQ(Nearest(c, 1.1f), 2);
  EXPECT_EQ(Nearest(c, 9.0f), 2);
  // Two well-separated groups: k-means lands on their means.
  std::vector<float> values;
  for (int i = 0; i < 100; ++i) values.push_back(1.0f + 0.001f * i);
  for (int i = 0; i < 50; ++i) values.push_back(-3.0f - 0.002f * i);
  std::vector<float> centroids = {-1.0f, 0.5f};
  KMeans(values, centroids, 20);
  EXPECT_NEAR(centroids[0], -3.0f - 0.002f * 24.5f, 1e-5);
  EXPECT_NEAR(centroids[1], 1.0f + 0.001f * 49.5f, 1e-5);
}

Graph SmallGraph() {
  GraphBuilder b(3);
  int x = b.Input("x", {4, 4, 4});
  ConvOptions same;
  same.padding = Padding::kSame;
  x = b.Conv2D(x, 8, 3, same);  // conv1: 288 weights
  x = b.Flatten(x);
  x = b.Dense(x, 10);  // dense1: 1280 weights
  return b.Finish({x}).value();
}

TEST(Clusterer, SharesTrainsAndPreservesZeros) {
  Graph g = SmallGraph();
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
  Graph g = SmallGraph();
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
  const Graph g = SmallGraph();
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
