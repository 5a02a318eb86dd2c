// ReplicaGroup: the copies of a model that data-parallel training runs, one per process, each on
// its shard of every batch. Ops and quantizers whose forward depends on the whole batch
// (synchronized batch norm, range observers, LSQ's initial step) reduce their per-shard
// statistics through it, so every replica computes what one process would on the global batch.
// distributed/communicator.h implements it over MPI.
#pragma once

#include <cstdint>

namespace qforge {

class ReplicaGroup {
 public:
  virtual ~ReplicaGroup() = default;
  virtual int rank() const = 0;  // 0 .. size - 1
  virtual int size() const = 0;
  // Element-wise over all replicas, in place. Every replica makes the same calls in the same
  // order; a replica that stops answering ends the job with an error (never a hang).
  virtual void Sum(double* values, int64_t count) = 0;
  virtual void Min(float* values, int64_t count) = 0;
  virtual void Max(float* values, int64_t count) = 0;
};

}  // namespace qforge
