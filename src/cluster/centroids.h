// Weight sharing for one tensor: k centroids and each weight's nearest one. Initializations as
// in TF-MOT and Deep Compression (Han et al. 2016): linear (evenly spaced between the smallest
// and largest weight — Deep Compression's choice, it keeps the rare large weights), random
// (k distinct weights), density (evenly spaced quantiles of the weights), k-means++ (D^2
// sampling); then Lloyd's k-means iterations. Zero weights (pruned) can be left out: they keep
// their own exact zero. C++20.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/status.h"

namespace qforge::cluster {

enum class CentroidInit { kLinear, kRandom, kDensity, kKMeansPlusPlus };

// "linear", "random", "density", "kmeans++".
StatusOr<CentroidInit> ParseCentroidInit(const std::string& name);

// k centroids for `values` (sorted ascending; fewer if there are fewer distinct values).
std::vector<float> InitCentroids(const std::vector<float>& values, int k, CentroidInit init, Rng& rng);

// Index of the nearest centroid (centroids sorted ascending; ties to the lower one).
int Nearest(const std::vector<float>& centroids, float v);

// Lloyd's iterations: assign each value to its nearest centroid, move each centroid to its
// members' mean (an empty cluster keeps its place); stops early when nothing moves.
void KMeans(const std::vector<float>& values, std::vector<float>& centroids, int iterations);

}  // namespace qforge::cluster
