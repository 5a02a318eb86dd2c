// The float kernel family's table and weight packing.
#include "runtime/kernels/float_kernels.h"

#include <algorithm>

namespace qforge::runtime {

const std::vector<FloatKernels>& FloatKernelSets() {
  static const std::vector<FloatKernels> family = {
      {Isa::kRef, "ref", 1, 1, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx2, "float avx2", 8, 16, FloatGemmAvx2, FloatDepthwiseAvx2, FloatMaxPoolAvx2, FloatAvgPoolAvx2,
       FloatAddAvx2, FloatMeanAvx2, FloatMinMaxAvx2, HybridFinishAvx2},
      {Isa::kAvx512Vnni, "float avx512", 16, 32, FloatGemmAvx512, FloatDepthwiseAvx512, FloatMaxPoolAvx512,
       FloatAvgPoolAvx512, FloatAddAvx512, FloatMeanAvx512, FloatMinMaxAvx512, HybridFinishAvx512},
#endif
  };
  return family;
}

FloatGemmWeights PackFloatGemm(const FloatKernels& kernel, int n, int k, const float* w, const float* bias,
                               ref::FloatActivation act) {
  FloatGemmWeights p;
  p.kernel = &kernel;
  p.n = n;
  p.k = k;
  p.act = act;
  const int lanes = kernel.lanes, panels = (n + lanes - 1) / lanes;
  p.bias.assign(static_cast<size_t>(panels) * lanes, 0.0f);
  if (bias) std::copy_n(bias, n, p.bias.begin());
  p.packed.assign(static_cast<size_t>(panels) * k * lanes, 0.0f);
  for (int c = 0; c < n; ++c)
    for (int i = 0; i < k; ++i)
      p.packed[(static_cast<size_t>(c / lanes) * k + i) * lanes + c % lanes] = w[static_cast<int64_t>(c) * k + i];
  return p;
}

}  // namespace qforge::runtime
