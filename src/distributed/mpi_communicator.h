// The MPI communicator (distributed/communicator.h) over MPI_COMM_WORLD; in a build without MPI
// StartMpiCommunicator returns an error.
#pragma once

#include <memory>

#include "distributed/communicator.h"

namespace qforge::distributed {

// Initializes MPI (once per process; finalized when the communicator is destroyed).
StatusOr<std::unique_ptr<Communicator>> StartMpiCommunicator(double timeout_seconds);

}  // namespace qforge::distributed
