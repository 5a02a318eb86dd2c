// Thread-count control shared by our own loops (OpenMP) and oneDNN (which uses OpenMP too).
#pragma once

namespace qforge {

// The cores this process may use (its CPU affinity): what "all cores" means everywhere.
int AllCores();
// Sets the number of worker threads; n <= 0 means all cores.
void SetNumThreads(int n);
int NumThreads();

}  // namespace qforge
