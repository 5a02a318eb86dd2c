// OpenMP-backed thread-count control.
#include "core/threading.h"

#include <omp.h>

namespace qforge {

int AllCores() { return omp_get_num_procs(); }

void SetNumThreads(int n) { omp_set_num_threads(n > 0 ? n : AllCores()); }

int NumThreads() { return omp_get_max_threads(); }

}  // namespace qforge
