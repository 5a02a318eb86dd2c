// Optimizer update rules (PyTorch conventions for SGD momentum/Nesterov and Adam/AdamW).
#include "train/optimizer.h"

#include <cmath>

#include "core/simd_clones.h"

namespace qforge {
namespace {

// Element-wise updates: independent per element, so splitting them over threads and SIMD
// lanes gives the same bits as a plain loop.
constexpr int64_t kParallelMin = 16384;

}  // namespace

Status ValidateOptimizerConfig(const OptimizerConfig& c) {
  if (c.type != "sgd" && c.type != "adam" && c.type != "adamw")
    return InvalidArgument("unknown optimizer '{}' (choose sgd, adam or adamw)", c.type);
  if (!(c.momentum >= 0 && c.momentum < 1)) return InvalidArgument("momentum must be in [0, 1)");
  if (!(c.weight_decay >= 0)) return InvalidArgument("weight decay must be >= 0");
  if (!(c.beta1 >= 0 && c.beta1 < 1 && c.beta2 >= 0 && c.beta2 < 1))
    return InvalidArgument("Adam betas must be in [0, 1)");
  if (!(c.eps > 0)) return InvalidArgument("Adam eps must be > 0");
  return Status::Ok();
}

Tensor& Optimizer::Slot(const std::string& name, const Shape& shape) {
  Tensor& t = state_[name];
  if (t.shape() != shape) t = Tensor(shape);
  return t;
}

QF_SIMD_CLONES void Optimizer::Step(Graph& graph, const std::vector<const Tensor*>& grads, float lr) {
  ++steps_;
  // Loop constants live in locals: the compiler cannot prove the weight stores leave config_
  // untouched, and reloading it every element would keep the loops from vectorizing.
  const float momentum = config_.momentum, beta1 = config_.beta1, beta2 = config_.beta2;
  const float eps = config_.eps;
  const bool nesterov = config_.nesterov, decoupled = config_.type == "adamw";
  for (size_t pi = 0; pi < graph.params().size(); ++pi) {
    Param& p = graph.params()[pi];
    if (!p.trainable) continue;
    float* w = p.tensor.data();
    const float* g = grads[pi]->data();
    const int64_t n = p.tensor.size();
    const float wd = p.tensor.rank() >= 2 ? config_.weight_decay : 0.0f;
    if (config_.type == "sgd") {
      if (momentum == 0.0f) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
        for (int64_t i = 0; i < n; ++i) w[i] -= lr * (g[i] + wd * w[i]);
        continue;
      }
      float* v = Slot(p.name + "/m", p.tensor.shape()).data();
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
      for (int64_t i = 0; i < n; ++i) {
        const float gi = g[i] + wd * w[i];
        v[i] = momentum * v[i] + gi;
        w[i] -= lr * (nesterov ? gi + momentum * v[i] : v[i]);
      }
      continue;
    }
    float* m = Slot(p.name + "/m", p.tensor.shape()).data();
    float* v = Slot(p.name + "/v", p.tensor.shape()).data();
    const double bc1 = 1.0 - std::pow(beta1, steps_), bc2 = 1.0 - std::pow(beta2, steps_);
    const float step = static_cast<float>(lr / bc1), root_bc2 = static_cast<float>(std::sqrt(bc2));
    // Adam adds the decay to the gradient (L2); AdamW shrinks the weights directly.
    const float l2 = decoupled ? 0.0f : wd, shrink = decoupled ? lr * wd : 0.0f;
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
    for (int64_t i = 0; i < n; ++i) {
      const float gi = g[i] + l2 * w[i];
      const float wi = w[i] - shrink * w[i];
      const float mi = beta1 * m[i] + (1 - beta1) * gi;
      const float vi = beta2 * v[i] + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = wi - step * mi / (std::sqrt(vi) / root_bc2 + eps);
    }
  }
}

}  // namespace qforge
