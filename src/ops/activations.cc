// The activation ops' element-wise loops, compiled per SIMD target (core/simd_clones.h).
#include "ops/activations.h"

#include "core/simd_clones.h"

namespace qforge {

template <typename Fn>
QF_SIMD_CLONES void ActivationForwardLoop(const float* __restrict x, float* __restrict y, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) y[i] = Fn::F(x[i]);
}

template <typename Fn>
QF_SIMD_CLONES void ActivationBackwardLoop(const float* __restrict x, const float* __restrict y,
                                           const float* __restrict g, float* __restrict dx, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) dx[i] = Fn::Grad(x[i], y[i], g[i]);
}

namespace {

template <typename... Fns>
std::vector<std::pair<std::string, OpFactory>> FactoriesOf(std::tuple<Fns...>*) {
  return {{std::string(Fns::kName), &ActivationOp<Fns>::FromAttrs}...};
}

}  // namespace

// Each factory makes its op, whose Forward and Backward call the loops above: naming them here
// compiles the loops for every function of the list.
std::vector<std::pair<std::string, OpFactory>> ActivationFactories() {
  return FactoriesOf(static_cast<ActivationFns*>(nullptr));
}

}  // namespace qforge
