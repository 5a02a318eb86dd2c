// Requested thread count (see threads.h).
#include "bindings/threads.h"

#include <atomic>

#include "core/threading.h"

namespace qforge::python {
namespace {

std::atomic<int> requested{0};

}  // namespace

void RequestThreads(int n) {
  requested = n;
  SetNumThreads(n);
}

int RequestedThreads() { return requested > 0 ? requested.load() : AllCores(); }

void ApplyRequestedThreads() { SetNumThreads(requested); }

}  // namespace qforge::python
