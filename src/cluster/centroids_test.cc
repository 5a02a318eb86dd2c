// Centroids: every initialization method, nearest-centroid assignment and k-means.
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

}  // namespace
}  // namespace qforge::cluster
