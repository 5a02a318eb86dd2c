// Fast batch normalization on NCHW (or NC) buffers: one OpenMP task per channel, vectorized
// reductions, two passes forward and two backward. Same interface as the reference kernels.
#pragma once

#include "ops/ref/batch_norm_ref.h"

namespace qforge::cpu {

void BatchNormForwardTraining(const ref::BatchNormShape& s, const float* x, const float* gamma,
                              const float* beta, float* save_mean, float* save_var, float* y);
void BatchNormForwardInference(const ref::BatchNormShape& s, const float* x, const float* gamma,
                               const float* beta, const float* mean, const float* var, float* y);
// dx, dgamma, dbeta may each be null.
void BatchNormBackward(const ref::BatchNormShape& s, const float* x, const float* gamma,
                       const float* save_mean, const float* save_var, const float* dy,
                       float* dx, float* dgamma, float* dbeta);

}  // namespace qforge::cpu
