// The activation ops' element-wise loops, compiled per SIMD target (core/simd_clones.h).
#include "ops/activations.h"

#include <cmath>

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

StatusOr<std::unique_ptr<Op>> ClipOp::FromAttrs(const nlohmann::json& attrs) {
  const float lo = attrs.value("min", 0.0f), hi = attrs.value("max", 0.0f);
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi))
    return InvalidArgument("Clip needs finite bounds with min < max, got [{}, {}]", lo, hi);
  return std::unique_ptr<Op>(new ClipOp(lo, hi));
}

void ClipOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  const float* x = in[0]->data();
  for (int64_t i = 0; i < out.size(); ++i) out[i] = std::min(std::max(x[i], min_), max_);
}

void ClipOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor&, const Tensor& dy,
                      const std::vector<Tensor*>& din) {
  if (!din[0]) return;
  const float* x = in[0]->data();
  for (int64_t i = 0; i < dy.size(); ++i) (*din[0])[i] = x[i] > min_ && x[i] < max_ ? dy[i] : 0.0f;
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
  auto factories = FactoriesOf(static_cast<ActivationFns*>(nullptr));
  factories.emplace_back(std::string(ClipOp::kType), &ClipOp::FromAttrs);
  return factories;
}

}  // namespace qforge
