// BatchNorm op: shape rules, train/inference switch, and the gradient in both modes.
#include "ops/batch_norm.h"

#include <cmath>

#include "ops/ref/batch_norm_ref.h"

namespace qforge {
namespace {

ref::BatchNormShape ShapeOf(const Tensor& x, float eps, float momentum) {
  ref::BatchNormShape s;
  s.n = x.dim(0);
  s.c = x.dim(1);
  s.spatial = x.size() / (s.n * s.c);
  s.eps = eps;
  s.momentum = momentum;
  return s;
}

}  // namespace

StatusOr<std::unique_ptr<Op>> BatchNormOp::FromAttrs(const nlohmann::json& attrs) {
  const float eps = attrs.value("eps", 1e-5f), momentum = attrs.value("momentum", 0.1f);
  if (!(eps > 0)) return InvalidArgument("BatchNorm eps must be > 0");
  if (!(momentum >= 0 && momentum <= 1)) return InvalidArgument("BatchNorm momentum must be in [0, 1]");
  return std::unique_ptr<Op>(new BatchNormOp(eps, momentum));
}

StatusOr<Shape> BatchNormOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 5)
    return InvalidArgument("BatchNorm takes x, gamma, beta, running_mean, running_var; got {} inputs",
                           in.size());
  if (in[0].size() < 2) return InvalidArgument("BatchNorm input needs a channel dimension");
  for (int i = 1; i < 5; ++i)
    if (in[i] != Shape{in[0][1]})
      return InvalidArgument("BatchNorm parameter {} must be [{}], got {}", i, in[0][1],
                             ShapeToString(in[i]));
  return in[0];
}

void BatchNormOp::Forward(const OpContext& ctx, const std::vector<Tensor*>& in, Tensor& out) {
  const auto s = ShapeOf(*in[0], eps_, momentum_);
  last_training_ = ctx.training;
  save_mean_.Resize({s.c});
  save_invstd_.Resize({s.c});
  if (ctx.training) {
    ref::BatchNormForwardTraining(s, in[0]->data(), in[1]->data(), in[2]->data(), in[3]->data(),
                                  in[4]->data(), save_mean_.data(), save_invstd_.data(),
                                  out.data());
    return;
  }
  for (int64_t c = 0; c < s.c; ++c) {
    save_mean_[c] = (*in[3])[c];
    save_invstd_[c] = 1.0f / std::sqrt((*in[4])[c] + eps_);
  }
  ref::BatchNormForwardInference(s, in[0]->data(), in[1]->data(), in[2]->data(), in[3]->data(),
                                 in[4]->data(), out.data());
}

void BatchNormOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor&,
                           const Tensor& dy, const std::vector<Tensor*>& din) {
  const auto s = ShapeOf(*in[0], eps_, momentum_);
  float* dx = din[0] ? din[0]->data() : nullptr;
  float* dgamma = din[1] ? din[1]->data() : nullptr;
  float* dbeta = din[2] ? din[2]->data() : nullptr;
  if (last_training_) {
    ref::BatchNormBackward(s, in[0]->data(), in[1]->data(), save_mean_.data(),
                           save_invstd_.data(), dy.data(), dx, dgamma, dbeta);
    return;
  }
  // Inference mode is an affine map per channel with constant statistics.
  for (int64_t c = 0; c < s.c; ++c) {
    double sum_dy = 0, sum_dy_xhat = 0;
    const float scale = (*in[1])[c] * save_invstd_[c];
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < s.spatial; ++i) {
        const int64_t idx = (n * s.c + c) * s.spatial + i;
        sum_dy += dy[idx];
        sum_dy_xhat += dy[idx] * ((*in[0])[idx] - save_mean_[c]) * save_invstd_[c];
        if (dx) dx[idx] = dy[idx] * scale;
      }
    if (dgamma) dgamma[c] = static_cast<float>(sum_dy_xhat);
    if (dbeta) dbeta[c] = static_cast<float>(sum_dy);
  }
}

}  // namespace qforge
