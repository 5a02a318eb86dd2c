// Synchronized batch normalization: per-channel sums of the local shard in double (one OpenMP
// task per channel), reduced over the replicas, then applied to the local shard.
#include "ops/batch_norm_sync.h"

#include <cmath>
#include <vector>

namespace qforge {

int64_t SynchronizedBatchStatistics(const ref::BatchNormShape& s, const float* x, ReplicaGroup& replicas,
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

void SynchronizedBatchNormBackward(const ref::BatchNormShape& s, const float* x, const float* gamma,
                                   const float* mean, const float* var, const float* dy, const float* relu_output,
                                   ReplicaGroup& replicas, float* dx, float* dgamma, float* dbeta) {
  // sums: [0, c) sum(dy), [c, 2c) sum(dy * xhat), 2c the example count.
  std::vector<double> sums(2 * s.c + 1);
  std::vector<float> invstd(s.c);
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < s.c; ++c) {
    invstd[c] = 1.0f / std::sqrt(var[c] + s.Eps(c));
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t n = 0; n < s.n; ++n) {
      const int64_t base = (n * s.c + c) * s.spatial;
      float a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
      for (int64_t i = 0; i < s.spatial; ++i) {
        const float g = relu_output && relu_output[base + i] <= 0.0f ? 0.0f : dy[base + i];
        a += g;
        b += g * (x[base + i] - mean[c]) * invstd[c];
      }
      sum_dy += a;
      sum_dy_xhat += b;
    }
    sums[c] = sum_dy;
    sums[s.c + c] = sum_dy_xhat;
    if (dbeta) dbeta[c] = static_cast<float>(sum_dy);
    if (dgamma) dgamma[c] = static_cast<float>(sum_dy_xhat);
  }
  if (!dx) return;  // the graph decides: the same on every replica
  sums[2 * s.c] = static_cast<double>(s.n);
  replicas.Sum(sums.data(), 2 * s.c + 1);
  const double count = sums[2 * s.c] * static_cast<double>(s.spatial);
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < s.c; ++c) {
    const auto mean_dy = static_cast<float>(sums[c] / count), mean_dy_xhat = static_cast<float>(sums[s.c + c] / count);
    const float k = gamma[c] * invstd[c];
    for (int64_t n = 0; n < s.n; ++n) {
      const int64_t base = (n * s.c + c) * s.spatial;
#pragma omp simd
      for (int64_t i = 0; i < s.spatial; ++i) {
        const float g = relu_output && relu_output[base + i] <= 0.0f ? 0.0f : dy[base + i];
        const float xhat = (x[base + i] - mean[c]) * invstd[c];
        dx[base + i] = k * (g - mean_dy - xhat * mean_dy_xhat);
      }
    }
  }
}

}  // namespace qforge
