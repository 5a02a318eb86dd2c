// Centroid initialization, nearest-centroid assignment, k-means.
#include "cluster/centroids.h"

#include <algorithm>
#include <cmath>

namespace qforge::cluster {

StatusOr<CentroidInit> ParseCentroidInit(const std::string& name) {
  if (name == "linear") return CentroidInit::kLinear;
  if (name == "random") return CentroidInit::kRandom;
  if (name == "density") return CentroidInit::kDensity;
  if (name == "kmeans++") return CentroidInit::kKMeansPlusPlus;
  return InvalidArgument("unknown centroid initialization '{}' (linear, random, density, kmeans++)", name);
}

std::vector<float> InitCentroids(const std::vector<float>& values, int k, CentroidInit init, Rng& rng) {
  std::vector<float> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  if (static_cast<int>(sorted.size()) <= k) return sorted;  // every distinct value is a centroid
  std::vector<float> c;
  switch (init) {
    case CentroidInit::kLinear:
      for (int j = 0; j < k; ++j) {  // lo (1 - t) + hi t: exactly lo and hi at the ends
        const double t = static_cast<double>(j) / (k - 1);
        c.push_back(static_cast<float>(sorted.front() * (1.0 - t) + sorted.back() * t));
      }
      break;
    case CentroidInit::kDensity: {  // quantiles of the values (with repeats), evenly spaced
      std::vector<float> all = values;
      std::sort(all.begin(), all.end());
      for (int j = 0; j < k; ++j) c.push_back(all[static_cast<size_t>((all.size() - 1) * j / (k - 1))]);
      break;
    }
    case CentroidInit::kRandom: {  // k distinct values, uniformly (partial Fisher-Yates)
      for (int j = 0; j < k; ++j) {
        const size_t pick = j + rng.Below(sorted.size() - j);
        std::swap(sorted[j], sorted[pick]);
        c.push_back(sorted[j]);
      }
      break;
    }
    case CentroidInit::kKMeansPlusPlus: {  // first uniformly, then with probability ~ D^2
      std::vector<double> d2(values.size(), 0.0);
      c.push_back(values[rng.Below(values.size())]);
      while (static_cast<int>(c.size()) < k) {
        double total = 0;
        for (size_t i = 0; i < values.size(); ++i) {
          double best = 1e300;
          for (float x : c) best = std::min(best, static_cast<double>(values[i] - x) * (values[i] - x));
          d2[i] = best;
          total += best;
        }
        if (total <= 0) break;
        double r = rng.Uniform() * total;
        size_t pick = 0;
        while (pick + 1 < values.size() && r >= d2[pick]) r -= d2[pick++];
        c.push_back(values[pick]);
      }
      break;
    }
  }
  std::sort(c.begin(), c.end());
  c.erase(std::unique(c.begin(), c.end()), c.end());
  return c;
}

int Nearest(const std::vector<float>& centroids, float v) {
  const auto it = std::lower_bound(centroids.begin(), centroids.end(), v);
  if (it == centroids.begin()) return 0;
  if (it == centroids.end()) return static_cast<int>(centroids.size()) - 1;
  const int hi = static_cast<int>(it - centroids.begin());
  return v - centroids[hi - 1] <= centroids[hi] - v ? hi - 1 : hi;
}

void KMeans(const std::vector<float>& values, std::vector<float>& centroids, int iterations) {
  const size_t k = centroids.size();
  std::vector<double> sum(k);
  std::vector<int64_t> count(k);
  for (int it = 0; it < iterations; ++it) {
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0);
    for (float v : values) {
      const int j = Nearest(centroids, v);
      sum[j] += v;
      ++count[j];
    }
    bool moved = false;
    for (size_t j = 0; j < k; ++j) {
      if (count[j] == 0) continue;
      const auto mean = static_cast<float>(sum[j] / static_cast<double>(count[j]));
      moved = moved || mean != centroids[j];
      centroids[j] = mean;
    }
    std::sort(centroids.begin(), centroids.end());  // means of ordered clusters stay ordered
    if (!moved) break;
  }
}

}  // namespace qforge::cluster
