// Test support: counts every allocation made through operator new in a test binary that links
// allocation_counter.cc (which replaces the global operator new/delete). Lives in its own
// translation unit so the compiler never inlines a replaced operator into its callers.
#pragma once

#include <cstdint>

namespace qforge::runtime {

// Allocations made so far by this process.
int64_t AllocationCount();

}  // namespace qforge::runtime
