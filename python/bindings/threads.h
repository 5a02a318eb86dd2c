// The thread count qforge.set_num_threads asks for, applied before each piece of work. OpenMP keeps
// its thread count per calling thread and shares its runtime with other libraries in the process
// (importing PyTorch sets it to 1), so the package sets it again wherever it trains, evaluates or
// calibrates — a fit then uses the threads `qforge train` would, whatever else Python loaded.
#pragma once

namespace qforge::python {

void RequestThreads(int n);  // n <= 0: all cores
int RequestedThreads();       // as resolved now (all cores: their number)
void ApplyRequestedThreads();

}  // namespace qforge::python
