// The two-group channel shuffle family's table.
#include "runtime/kernels/shuffle.h"

namespace qforge::runtime {

const std::vector<ShuffleKernel>& ShuffleKernels() {
  static const std::vector<ShuffleKernel> family = {
      {Isa::kRef, "ref", nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx2, "shuffle avx2", ShuffleTwoGroupsAvx2},
#endif
  };
  return family;
}

}  // namespace qforge::runtime
