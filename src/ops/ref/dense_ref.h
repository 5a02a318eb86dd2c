// Reference fully connected layer: y[N, M] = x[N, K] · W[M, K]ᵀ + b[M].
#pragma once

#include <cstdint>

namespace qforge::ref {

void DenseForward(int64_t n, int64_t k, int64_t m, const float* x, const float* w,
                  const float* b, float* y);
void DenseBackwardData(int64_t n, int64_t k, int64_t m, const float* w, const float* dy,
                       float* dx);
// db may be null.
void DenseBackwardWeights(int64_t n, int64_t k, int64_t m, const float* x, const float* dy,
                          float* dw, float* db);

}  // namespace qforge::ref
