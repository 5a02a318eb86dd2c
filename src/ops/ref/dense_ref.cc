// Reference fully connected layer: plain triple loops.
#include "ops/ref/dense_ref.h"

#include "ops/ref/channel_sum_ref.h"

namespace qforge::ref {

void DenseForward(int64_t n, int64_t k, int64_t m, const float* x, const float* w,
                  const float* b, float* y) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      float acc = b ? b[j] : 0.0f;
      for (int64_t p = 0; p < k; ++p) acc += x[i * k + p] * w[j * k + p];
      y[i * m + j] = acc;
    }
}

void DenseBackwardData(int64_t n, int64_t k, int64_t m, const float* w, const float* dy,
                       float* dx) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t p = 0; p < k; ++p) {
      float acc = 0.0f;
      for (int64_t j = 0; j < m; ++j) acc += dy[i * m + j] * w[j * k + p];
      dx[i * k + p] = acc;
    }
}

void DenseBackwardWeights(int64_t n, int64_t k, int64_t m, const float* x, const float* dy,
                          float* dw, float* db) {
  for (int64_t j = 0; j < m; ++j) {
    for (int64_t p = 0; p < k; ++p) {
      float acc = 0.0f;
      for (int64_t i = 0; i < n; ++i) acc += dy[i * m + j] * x[i * k + p];
      dw[j * k + p] = acc;
    }
  }
  if (db) ChannelSum(dy, n, m, 1, db);
}

}  // namespace qforge::ref
