// Fast batch normalization. Sums run in float within a plane (vectorized) and in double
// across planes; the variance is computed on values shifted by a per-channel pivot so a large
// mean does not cancel the variance away.
#include "ops/cpu/batch_norm_cpu.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "core/simd_clones.h"

namespace qforge::cpu {
namespace {

// y = x * a[c] + b[c] for every element of channel c, then max(0, y) with relu.
QF_SIMD_CLONES void AffinePerChannel(const ref::BatchNormShape& s, const float* x, const float* a,
                      const float* b, bool relu, float* y) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t c = 0; c < s.c; ++c) {
      const float* xp = x + (n * s.c + c) * s.spatial;
      float* yp = y + (n * s.c + c) * s.spatial;
      const float ac = a[c], bc = b[c];
      if (relu) {
#pragma omp simd
        for (int64_t i = 0; i < s.spatial; ++i) yp[i] = std::max(xp[i] * ac + bc, 0.0f);
      } else {
#pragma omp simd
        for (int64_t i = 0; i < s.spatial; ++i) yp[i] = xp[i] * ac + bc;
      }
    }
}

}  // namespace

QF_SIMD_CLONES void BatchNormForwardTraining(const ref::BatchNormShape& s, const float* x, const float* gamma,
                              const float* beta, bool relu, float* save_mean, float* save_var,
                              float* y) {
  const double count = static_cast<double>(s.n * s.spatial);
  std::vector<float> a(s.c), b(s.c);
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < s.c; ++c) {
    const float pivot = x[c * s.spatial];
    double sum = 0, sq = 0;
    for (int64_t n = 0; n < s.n; ++n) {
      const float* p = x + (n * s.c + c) * s.spatial;
      float s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s1, s2)
      for (int64_t i = 0; i < s.spatial; ++i) {
        const float d = p[i] - pivot;
        s1 += d;
        s2 += d * d;
      }
      sum += s1;
      sq += s2;
    }
    const double shifted_mean = sum / count;
    const double var = std::max(0.0, sq / count - shifted_mean * shifted_mean);
    const double mean = pivot + shifted_mean;
    save_mean[c] = static_cast<float>(mean);
    save_var[c] = static_cast<float>(var);
    const double scale = gamma[c] / std::sqrt(var + s.Eps(c));
    a[c] = static_cast<float>(scale);
    b[c] = static_cast<float>(beta[c] - mean * scale);
  }
  AffinePerChannel(s, x, a.data(), b.data(), relu, y);
}

QF_SIMD_CLONES void BatchNormForwardInference(const ref::BatchNormShape& s, const float* x, const float* gamma,
                               const float* beta, const float* mean, const float* var, bool relu,
                               float* y) {
  std::vector<float> a(s.c), b(s.c);
  for (int64_t c = 0; c < s.c; ++c) {
    a[c] = gamma[c] / std::sqrt(var[c] + s.Eps(c));
    b[c] = beta[c] - mean[c] * a[c];
  }
  AffinePerChannel(s, x, a.data(), b.data(), relu, y);
}

QF_SIMD_CLONES void BatchNormBackward(const ref::BatchNormShape& s, const float* x, const float* gamma,
                       const float* save_mean, const float* save_var, const float* dy,
                       const float* relu_output, float* dx, float* dgamma, float* dbeta, ReplicaGroup* replicas) {
  // sums: [0, c) sum(dy), [c, 2c) sum(dy (x - mean)), 2c the batch size.
  std::vector<double> sums(2 * s.c + 1);
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < s.c; ++c) {
    const float mean = save_mean[c];
    double sum_dy = 0, sum_dy_xc = 0;
    for (int64_t n = 0; n < s.n; ++n) {
      const int64_t base = (n * s.c + c) * s.spatial;
      float s1 = 0, s2 = 0;
      if (relu_output) {
#pragma omp simd reduction(+ : s1, s2)
        for (int64_t i = 0; i < s.spatial; ++i) {
          const float d = dy[base + i];  // loaded unconditionally: the select vectorizes
          const float g = relu_output[base + i] > 0.0f ? d : 0.0f;
          s1 += g;
          s2 += g * (x[base + i] - mean);
        }
      } else {
#pragma omp simd reduction(+ : s1, s2)
        for (int64_t i = 0; i < s.spatial; ++i) {
          s1 += dy[base + i];
          s2 += dy[base + i] * (x[base + i] - mean);
        }
      }
      sum_dy += s1;
      sum_dy_xc += s2;
    }
    const double invstd = 1.0 / std::sqrt(double{save_var[c]} + s.Eps(c));
    // The parameter gradients are this batch's (with replicas, summed with the others later).
    if (dgamma) dgamma[c] = static_cast<float>(sum_dy_xc * invstd);
    if (dbeta) dbeta[c] = static_cast<float>(sum_dy);
    sums[c] = sum_dy;
    sums[s.c + c] = sum_dy_xc;
  }
  if (!dx) return;  // the graph decides: the same on every replica
  sums[2 * s.c] = static_cast<double>(s.n);
  if (replicas) replicas->Sum(sums.data(), 2 * s.c + 1);  // dx follows the global batch's sums
  const double count = sums[2 * s.c] * static_cast<double>(s.spatial);
  // dx = k_dy * dy + k_x * x + k_1, per channel:
  // dx = g*invstd * (dy - sum_dy/M - xhat * sum_dy_xhat/M), xhat = (x - mean) * invstd.
  std::vector<float> k_dy(s.c), k_x(s.c), k_1(s.c);
  for (int64_t c = 0; c < s.c; ++c) {
    const double invstd = 1.0 / std::sqrt(double{save_var[c]} + s.Eps(c));
    const double sum_dy = sums[c], sum_dy_xhat = sums[s.c + c] * invstd;
    const double a = gamma[c] * invstd;
    const double slope = a * invstd * sum_dy_xhat / count;
    k_dy[c] = static_cast<float>(a);
    k_x[c] = static_cast<float>(-slope);
    k_1[c] = static_cast<float>(-a * sum_dy / count + slope * save_mean[c]);
  }
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t c = 0; c < s.c; ++c) {
      const int64_t base = (n * s.c + c) * s.spatial;
      const float kd = k_dy[c], kx = k_x[c], k1 = k_1[c];
      if (relu_output) {
#pragma omp simd
        for (int64_t i = 0; i < s.spatial; ++i) {
          const float d = dy[base + i];
          const float g = relu_output[base + i] > 0.0f ? d : 0.0f;
          dx[base + i] = kd * g + kx * x[base + i] + k1;
        }
      } else {
#pragma omp simd
        for (int64_t i = 0; i < s.spatial; ++i) dx[base + i] = kd * dy[base + i] + kx * x[base + i] + k1;
      }
    }
}

QF_SIMD_CLONES void BatchNormBackwardInference(const ref::BatchNormShape& s, const float* x, const float* gamma,
                                               const float* mean, const float* var, const float* dy,
                                               const float* relu_output, float* dx, float* dgamma, float* dbeta,
                                               float* sum_dy_x) {
  // One plane of one channel; the ReLU mask is a compile-time choice so both loops vectorize.
  auto plane = [&](auto relu, int64_t base, float a, float m, float& p1, float& p2, float& p3) {
    const float* __restrict g_in = dy + base;
    const float* __restrict xp = x + base;
    const float* __restrict r = relu_output ? relu_output + base : nullptr;
    auto grad = [&](int64_t i) {
      if constexpr (decltype(relu)::value) return r[i] > 0.0f ? g_in[i] : 0.0f;  // unconditional load
      return g_in[i];
    };
    float q1 = 0, q2 = 0, q3 = 0;
#pragma omp simd reduction(+ : q1, q2, q3)
    for (int64_t i = 0; i < s.spatial; ++i) {
      const float g = grad(i);
      q1 += g;
      q2 += g * (xp[i] - m);
      q3 += g * xp[i];
    }
    p1 = q1, p2 = q2, p3 = q3;
    if (!dx) return;
    float* __restrict out = dx + base;
#pragma omp simd
    for (int64_t i = 0; i < s.spatial; ++i) out[i] = grad(i) * a;
  };
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < s.c; ++c) {
    const float invstd = static_cast<float>(1.0 / std::sqrt(double{var[c]} + s.Eps(c)));
    const float a = gamma[c] * invstd;
    double s1 = 0, s2 = 0, s3 = 0;
    for (int64_t n = 0; n < s.n; ++n) {
      float p1, p2, p3;
      const int64_t base = (n * s.c + c) * s.spatial;
      if (relu_output) {
        plane(std::true_type{}, base, a, mean[c], p1, p2, p3);
      } else {
        plane(std::false_type{}, base, a, mean[c], p1, p2, p3);
      }
      s1 += p1, s2 += p2, s3 += p3;
    }
    if (dgamma) dgamma[c] = static_cast<float>(s2 * invstd);
    if (dbeta) dbeta[c] = static_cast<float>(s1);
    if (sum_dy_x) sum_dy_x[c] = static_cast<float>(s3);
  }
}

}  // namespace qforge::cpu
