// The one-process communicator and the choice between it and MPI.
#include "distributed/communicator.h"

#include <cstdio>
#include <cstdlib>

#include "distributed/mpi_communicator.h"

namespace qforge::distributed {
namespace {

// A job of one process: every collective is the identity.
class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_size() const override { return 1; }
  void Sum(double*, int64_t) override {}
  void Sum(float*, int64_t) override {}
  void Min(float*, int64_t) override {}
  void Max(float*, int64_t) override {}
  void Broadcast(void*, int64_t) override {}
  int StartSum(float*, int64_t) override { return 0; }
  void Poll() override {}
  void FinishAll() override {}
  [[noreturn]] void Abort(const std::string& message) override {
    std::fprintf(stderr, "qforge: error: %s\n", message.c_str());
    std::exit(1);
  }
};

// Environment variables that MPI launchers (Open MPI's mpirun, MPICH's Hydra, PMIx) set.
bool StartedByMpiLauncher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(name)) return true;
  return false;
}

}  // namespace

StatusOr<std::unique_ptr<Communicator>> StartCommunicator(const CommunicatorOptions& options) {
  if (!(options.timeout_seconds > 0)) return InvalidArgument("the communication timeout must be > 0 seconds");
  if (options.distributed || StartedByMpiLauncher()) {
    if (!BuiltWithMpi())
      return InvalidArgument("this qforge was built without MPI (install libopenmpi-dev and rebuild) and cannot "
                             "run across processes");
    return StartMpiCommunicator(options.timeout_seconds);
  }
  return std::unique_ptr<Communicator>(new LocalCommunicator());
}

}  // namespace qforge::distributed
