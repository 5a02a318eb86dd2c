// Communicator: the processes of a data-parallel job (ranks 0..size-1) and the collectives
// training needs — sums, minima and maxima over ranks, broadcasts from rank 0, and sums started
// now and finished later (gradient buckets sent while back-propagation goes on).
//
// A job is one process unless it was started by an MPI launcher (mpirun) or asked for with
// `distributed` and qforge was built with MPI. Every collective waits at most `timeout_seconds`
// for the other ranks: past it the job is stopped with an error naming the collective, so a
// killed or stuck rank ends the job instead of hanging it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/replicas.h"
#include "core/status.h"

namespace qforge::distributed {

class Communicator : public ReplicaGroup {
 public:
  // Ranks on this machine (they share its cores).
  virtual int local_size() const = 0;
  bool is_root() const { return rank() == 0; }

  using ReplicaGroup::Sum;
  virtual void Sum(float* values, int64_t count) = 0;
  // Rank 0's bytes to every rank.
  virtual void Broadcast(void* data, int64_t bytes) = 0;

  // A sum over ranks started now and finished by Finish; Poll lets the transport progress
  // (call it between pieces of other work). At most one started sum per buffer.
  virtual int StartSum(float* values, int64_t count) = 0;
  virtual void Poll() = 0;
  virtual void FinishAll() = 0;

  // Ends every rank's process with this message (a rank failed on its own: the others would
  // otherwise wait for it).
  [[noreturn]] virtual void Abort(const std::string& message) = 0;

  // Seconds spent waiting in collectives since the start (communication and waiting for
  // slower ranks), for reports.
  double seconds_in_collectives() const { return seconds_in_collectives_; }

 protected:
  double seconds_in_collectives_ = 0;
};

struct CommunicatorOptions {
  bool distributed = false;  // required: fail unless MPI is available and started
  double timeout_seconds = 300;
};

// The job's communicator: MPI when started by an MPI launcher (or `distributed`), else one
// process. An error when `distributed` is asked for and this build has no MPI.
StatusOr<std::unique_ptr<Communicator>> StartCommunicator(const CommunicatorOptions& options);

// True when this build can run multi-process jobs.
bool BuiltWithMpi();

}  // namespace qforge::distributed
