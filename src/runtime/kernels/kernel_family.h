// One table per int8 kernel family (as XNNPACK's gemm_config): GEMM (with its segmented-
// convolution form), depthwise convolution, max pooling, mean, add and quantize each list their
// implementations in one ordered table, the reference first, then each ISA's kernel with what its
// preparer needs (tile sizes, input form, pack and run functions). An entry exists only where its
// ISA's kernels are compiled in. Preparers take the best entry under the interpreter's ISA; the
// reference entry has no run function: it stands for the ref:: operator. C++17.
#pragma once

#include <vector>

#include "runtime/kernels/dispatch.h"

namespace qforge::runtime {

// The last entry of `family` whose ISA is at most `max_isa` (the reference if none is).
template <typename Kernel>
const Kernel& BestKernel(const std::vector<Kernel>& family, Isa max_isa) {
  const Kernel* best = &family.front();
  for (const Kernel& kernel : family)
    if (kernel.isa <= max_isa) best = &kernel;
  return *best;
}

// The reference entry: the preparer runs the ref:: operator.
template <typename Kernel>
bool IsReference(const Kernel& kernel) {
  return kernel.isa == Isa::kRef;
}

// The optimized entries this CPU can run (for tests and benchmarks).
template <typename Kernel>
std::vector<const Kernel*> RunnableKernels(const std::vector<Kernel>& family) {
  std::vector<const Kernel*> out;
  for (const Kernel& kernel : family)
    if (!IsReference(kernel) && kernel.isa <= SupportedIsa()) out.push_back(&kernel);
  return out;
}

}  // namespace qforge::runtime
