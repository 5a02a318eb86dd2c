// OpenMP-backed thread-count control.
#include "core/threading.h"

#include <omp.h>

namespace qforge {

void SetNumThreads(int n) { omp_set_num_threads(n > 0 ? n : omp_get_num_procs()); }

int NumThreads() { return omp_get_max_threads(); }

}  // namespace qforge
