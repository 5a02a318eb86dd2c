// Synchronized batch statistics: per-channel sums of the local shard in double (one OpenMP task
// per channel), reduced over the replicas.
#include "ops/batch_norm_sync.h"

#include <cmath>
#include <vector>

#include "core/simd_clones.h"

namespace qforge {

QF_SIMD_CLONES int64_t SynchronizedBatchStatistics(const ref::BatchNormShape& s, const float* x, ReplicaGroup& replicas,
                                    float* mean, float* var) {
  std::vector<double> sums(s.c + 1);  // per channel, then the example count
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < s.c; ++c) {
    double sum = 0;
    for (int64_t n = 0; n < s.n; ++n) {
      const float* p = x + (n * s.c + c) * s.spatial;
      float part = 0;
#pragma omp simd reduction(+ : part)
      for (int64_t i = 0; i < s.spatial; ++i) part += p[i];
      sum += part;
    }
    sums[c] = sum;
  }
  sums[s.c] = static_cast<double>(s.n);
  replicas.Sum(sums.data(), s.c + 1);
  const double count = sums[s.c] * static_cast<double>(s.spatial);
  std::vector<double> squares(s.c);
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < s.c; ++c) {
    const double m = sums[c] / count;
    const auto mf = static_cast<float>(m);
    double sq = 0;
    for (int64_t n = 0; n < s.n; ++n) {
      const float* p = x + (n * s.c + c) * s.spatial;
      float part = 0;
#pragma omp simd reduction(+ : part)
      for (int64_t i = 0; i < s.spatial; ++i) part += (p[i] - mf) * (p[i] - mf);
      sq += part;
    }
    squares[c] = sq;
    mean[c] = mf;
  }
  replicas.Sum(squares.data(), s.c);
  for (int64_t c = 0; c < s.c; ++c) var[c] = static_cast<float>(squares[c] / count);
  return static_cast<int64_t>(sums[s.c]);
}

}  // namespace qforge
