// Synchronized batch normalization for data-parallel training: each replica holds a shard of
// the batch, and the statistics are those of the whole batch, reduced over the replicas — what
// one process computes on the global batch. (The gradient: cpu::BatchNormBackward with replicas.)
#pragma once

#include "core/replicas.h"
#include "ops/ref/batch_norm_ref.h"

namespace qforge {

// Mean and biased variance of each channel over every replica's shard (two passes: the global
// mean, then the squared deviations from it). Returns the global batch size.
int64_t SynchronizedBatchStatistics(const ref::BatchNormShape& s, const float* x, ReplicaGroup& replicas,
                                    float* mean, float* var);

}  // namespace qforge
