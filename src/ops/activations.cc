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

#define QF_INSTANTIATE_ACTIVATION(Fn)                                          \
  template void ActivationForwardLoop<Fn>(const float*, float*, int64_t); \
  template void ActivationBackwardLoop<Fn>(const float*, const float*, const float*, float*, int64_t);
QF_INSTANTIATE_ACTIVATION(ReluFn)
QF_INSTANTIATE_ACTIVATION(Relu6Fn)
QF_INSTANTIATE_ACTIVATION(HardSwishFn)
QF_INSTANTIATE_ACTIVATION(SigmoidFn)
#undef QF_INSTANTIATE_ACTIVATION

}  // namespace qforge
