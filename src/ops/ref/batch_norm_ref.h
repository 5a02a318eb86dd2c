// Reference batch normalization over N and spatial positions, per channel (dimension 1).
#pragma once

#include <cstdint>

namespace qforge::ref {

struct BatchNormShape {
  int64_t n = 1, c = 1, spatial = 1;  // spatial = H * W (1 for [N, C] inputs)
  float eps = 1e-5f;
  float momentum = 0.1f;  // running = (1 - momentum) * running + momentum * batch
  const float* channel_eps = nullptr;  // when set, one eps per channel instead of `eps`

  float Eps(int64_t c) const { return channel_eps ? channel_eps[c] : eps; }
};

// Training: normalizes with the batch statistics and stores them (mean, biased variance) in
// save_mean / save_var.
void BatchNormForwardTraining(const BatchNormShape& s, const float* x, const float* gamma,
                              const float* beta, float* save_mean, float* save_var, float* y);
// running = (1 - momentum) * running + momentum * batch, with the unbiased batch variance.
void UpdateRunningStats(const BatchNormShape& s, const float* batch_mean, const float* batch_var,
                        float* running_mean, float* running_var);
void BatchNormForwardInference(const BatchNormShape& s, const float* x, const float* gamma,
                               const float* beta, const float* running_mean,
                               const float* running_var, float* y);
// Gradient through the training-mode forward. dgamma / dbeta may be null.
void BatchNormBackward(const BatchNormShape& s, const float* x, const float* gamma,
                       const float* save_mean, const float* save_var, const float* dy,
                       float* dx, float* dgamma, float* dbeta);

}  // namespace qforge::ref
