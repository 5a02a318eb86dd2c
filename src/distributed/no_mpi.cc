// A build without MPI: jobs are one process.
#include "distributed/mpi_communicator.h"

namespace qforge::distributed {

bool BuiltWithMpi() { return false; }

StatusOr<std::unique_ptr<Communicator>> StartMpiCommunicator(double) {
  return Status(StatusCode::kFailedPrecondition, "this qforge was built without MPI");
}

}  // namespace qforge::distributed
