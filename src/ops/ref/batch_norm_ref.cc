// Reference batch normalization; sums in double so it is a trustworthy oracle.
#include "ops/ref/batch_norm_ref.h"

#include <cmath>

namespace qforge::ref {
namespace {

template <typename Fn>
void ForEachInChannel(const BatchNormShape& s, int64_t c, Fn&& fn) {
  for (int64_t n = 0; n < s.n; ++n) {
    const int64_t base = (n * s.c + c) * s.spatial;
    for (int64_t i = 0; i < s.spatial; ++i) fn(base + i);
  }
}

}  // namespace

void BatchNormForwardTraining(const BatchNormShape& s, const float* x, const float* gamma,
                              const float* beta, float* save_mean, float* save_var, float* y) {
  const double count = static_cast<double>(s.n * s.spatial);
  for (int64_t c = 0; c < s.c; ++c) {
    double sum = 0, sq = 0;
    ForEachInChannel(s, c, [&](int64_t i) { sum += x[i]; });
    const double mean = sum / count;
    ForEachInChannel(s, c, [&](int64_t i) { sq += (x[i] - mean) * (x[i] - mean); });
    const double var = sq / count;
    const double invstd = 1.0 / std::sqrt(var + s.Eps(c));
    save_mean[c] = static_cast<float>(mean);
    save_var[c] = static_cast<float>(var);
    ForEachInChannel(s, c, [&](int64_t i) {
      y[i] = static_cast<float>((x[i] - mean) * invstd * gamma[c] + beta[c]);
    });
  }
}

void UpdateRunningStats(const BatchNormShape& s, const float* batch_mean, const float* batch_var,
                        float* running_mean, float* running_var) {
  const double count = static_cast<double>(s.n * s.spatial);
  const double unbias = count > 1 ? count / (count - 1) : 1.0;
  for (int64_t c = 0; c < s.c; ++c) {
    running_mean[c] = static_cast<float>((1 - s.momentum) * running_mean[c] + s.momentum * batch_mean[c]);
    running_var[c] =
        static_cast<float>((1 - s.momentum) * running_var[c] + s.momentum * batch_var[c] * unbias);
  }
}

void BatchNormForwardInference(const BatchNormShape& s, const float* x, const float* gamma,
                               const float* beta, const float* running_mean,
                               const float* running_var, float* y) {
  for (int64_t c = 0; c < s.c; ++c) {
    const float scale = gamma[c] / std::sqrt(running_var[c] + s.Eps(c));
    const float shift = beta[c] - running_mean[c] * scale;
    ForEachInChannel(s, c, [&](int64_t i) { y[i] = x[i] * scale + shift; });
  }
}

void BatchNormBackward(const BatchNormShape& s, const float* x, const float* gamma,
                       const float* save_mean, const float* save_var, const float* dy,
                       float* dx, float* dgamma, float* dbeta) {
  const double count = static_cast<double>(s.n * s.spatial);
  for (int64_t c = 0; c < s.c; ++c) {
    const double mean = save_mean[c], invstd = 1.0 / std::sqrt(save_var[c] + double{s.Eps(c)});
    double sum_dy = 0, sum_dy_xhat = 0;
    ForEachInChannel(s, c, [&](int64_t i) {
      sum_dy += dy[i];
      sum_dy_xhat += dy[i] * (x[i] - mean) * invstd;
    });
    if (dgamma) dgamma[c] = static_cast<float>(sum_dy_xhat);
    if (dbeta) dbeta[c] = static_cast<float>(sum_dy);
    if (!dx) continue;
    ForEachInChannel(s, c, [&](int64_t i) {
      const double xhat = (x[i] - mean) * invstd;
      dx[i] = static_cast<float>(gamma[c] * invstd *
                                 (dy[i] - sum_dy / count - xhat * sum_dy_xhat / count));
    });
  }
}

}  // namespace qforge::ref
