// Fast batch normalization on NCHW (or NC) buffers: one OpenMP task per channel, vectorized
// reductions, two passes forward and two backward. Same interface as the reference kernels.
#pragma once

#include "core/replicas.h"
#include "ops/ref/batch_norm_ref.h"

namespace qforge::cpu {

// With relu set, y = max(0, batch norm) (the fused BatchNorm + ReLU).
void BatchNormForwardTraining(const ref::BatchNormShape& s, const float* x, const float* gamma,
                              const float* beta, bool relu, float* save_mean, float* save_var,
                              float* y);
void BatchNormForwardInference(const ref::BatchNormShape& s, const float* x, const float* gamma,
                               const float* beta, const float* mean, const float* var, bool relu,
                               float* y);
// dx, dgamma, dbeta may each be null. relu_output, when given, is the fused op's output: the
// gradient flows only where it is positive. With replicas (synchronized batch norm, the
// statistics those of the global batch), dx uses the global batch's sums of dy and dy * xhat;
// dgamma and dbeta stay this shard's (parameter gradients are summed over replicas later).
void BatchNormBackward(const ref::BatchNormShape& s, const float* x, const float* gamma,
                       const float* save_mean, const float* save_var, const float* dy,
                       const float* relu_output, float* dx, float* dgamma, float* dbeta,
                       ReplicaGroup* replicas = nullptr);

// Gradient through the inference-mode forward (y = a x + b per channel, constant statistics):
// dx = a * dy, dgamma = sum(dy xhat), dbeta = sum(dy), and sum_dy_x = sum(dy x) per channel
// (for an input scale's gradient). Every output may be null; relu_output as above.
void BatchNormBackwardInference(const ref::BatchNormShape& s, const float* x, const float* gamma,
                                const float* mean, const float* var, const float* dy,
                                const float* relu_output, float* dx, float* dgamma, float* dbeta,
                                float* sum_dy_x);

}  // namespace qforge::cpu
