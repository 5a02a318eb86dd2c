// Synchronized batch normalization for data-parallel training: each replica holds a shard of
// the batch, and the statistics (forward) and gradient sums (backward) are those of the whole
// batch, reduced over the replicas — what one process computes on the global batch.
#pragma once

#include "core/replicas.h"
#include "ops/ref/batch_norm_ref.h"

namespace qforge {

// Mean and biased variance of each channel over every replica's shard (two passes: the global
// mean, then the squared deviations from it). Returns the global batch size.
int64_t SynchronizedBatchStatistics(const ref::BatchNormShape& s, const float* x, ReplicaGroup& replicas,
                                    float* mean, float* var);

// The training-mode gradient with global sums: dx = gamma / sigma * (dy - mean(dy) -
// xhat * mean(dy * xhat)), the means over the global batch; dgamma = sum(dy * xhat) and
// dbeta = sum(dy) over this shard only (parameter gradients are summed over replicas with the
// others). relu_output, when given, is the fused op's output (the gradient flows where it is
// positive). dx, dgamma, dbeta may each be null.
void SynchronizedBatchNormBackward(const ref::BatchNormShape& s, const float* x, const float* gamma,
                                   const float* mean, const float* var, const float* dy, const float* relu_output,
                                   ReplicaGroup& replicas, float* dx, float* dgamma, float* dbeta);

}  // namespace qforge
