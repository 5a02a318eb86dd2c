// BatchNorm op: shape rules, train/inference switch, backend selection, and the gradient in
// both modes.
#include "ops/batch_norm.h"

#include <algorithm>
#include <cmath>

#include "ops/cpu/batch_norm_cpu.h"

namespace qforge {
namespace {

void ApplyRelu(Tensor& t) {
  for (int64_t i = 0; i < t.size(); ++i) t[i] = std::max(t[i], 0.0f);
}

}  // namespace

BatchNormOp::BatchNormOp(float eps, float momentum, bool fuse_relu)
    : eps_(eps), momentum_(momentum), fuse_relu_(fuse_relu) {}

nlohmann::json BatchNormOp::attrs() const {
  nlohmann::json j{{"eps", eps_}, {"momentum", momentum_}};
  if (fuse_relu_) j["fuse_relu"] = true;
  if (frozen_) j["frozen"] = true;
  return j;
}

StatusOr<std::unique_ptr<Op>> BatchNormOp::FromAttrs(const nlohmann::json& attrs) {
  const float eps = attrs.value("eps", 1e-5f), momentum = attrs.value("momentum", 0.1f);
  if (!(eps > 0)) return InvalidArgument("BatchNorm eps must be > 0");
  if (!(momentum >= 0 && momentum <= 1)) return InvalidArgument("BatchNorm momentum must be in [0, 1]");
  auto op = std::make_unique<BatchNormOp>(eps, momentum, attrs.value("fuse_relu", false));
  op->set_frozen(attrs.value("frozen", false));
  return std::unique_ptr<Op>(std::move(op));
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

ref::BatchNormShape BatchNormOp::ShapeOf(const Tensor& x) const {
  ref::BatchNormShape s;
  s.n = x.dim(0);
  s.c = x.dim(1);
  s.spatial = x.size() / (s.n * s.c);
  s.eps = eps_;
  s.momentum = momentum_;
  return s;
}

void BatchNormOp::Forward(const OpContext& ctx, const std::vector<Tensor*>& in, Tensor& out) {
  const auto s = ShapeOf(*in[0]);
  const bool fast = ctx.backend == Backend::kFast;
  last_training_ = ctx.training && !frozen_;
  save_mean_.Resize({s.c});
  save_var_.Resize({s.c});
  const float *x = in[0]->data(), *gamma = in[1]->data(), *beta = in[2]->data();
  if (last_training_) {
    if (fast) {
      cpu::BatchNormForwardTraining(s, x, gamma, beta, fuse_relu_, save_mean_.data(),
                                    save_var_.data(), out.data());
    } else {
      ref::BatchNormForwardTraining(s, x, gamma, beta, save_mean_.data(), save_var_.data(), out.data());
      if (fuse_relu_) ApplyRelu(out);
    }
    ref::UpdateRunningStats(s, save_mean_.data(), save_var_.data(), in[3]->data(), in[4]->data());
    return;
  }
  std::copy_n(in[3]->data(), s.c, save_mean_.data());
  std::copy_n(in[4]->data(), s.c, save_var_.data());
  if (fast) {
    cpu::BatchNormForwardInference(s, x, gamma, beta, save_mean_.data(), save_var_.data(),
                                   fuse_relu_, out.data());
  } else {
    ref::BatchNormForwardInference(s, x, gamma, beta, save_mean_.data(), save_var_.data(), out.data());
    if (fuse_relu_) ApplyRelu(out);
  }
}

void BatchNormOp::Backward(const OpContext& ctx, const std::vector<Tensor*>& in, const Tensor& out,
                           const Tensor& dy_in, const std::vector<Tensor*>& din) {
  const auto s = ShapeOf(*in[0]);
  const bool fast = ctx.backend == Backend::kFast && last_training_;
  // Through the fused ReLU first (the fast kernel does this on the fly).
  const Tensor* dy_ptr = &dy_in;
  if (fuse_relu_ && !fast) {
    masked_grad_.Resize(dy_in.shape());
    for (int64_t i = 0; i < dy_in.size(); ++i) masked_grad_[i] = out[i] > 0.0f ? dy_in[i] : 0.0f;
    dy_ptr = &masked_grad_;
  }
  const Tensor& dy = *dy_ptr;
  if (!last_training_) {
    BackwardThroughInference(in, dy, din);
    return;
  }
  float* dx = din[0] ? din[0]->data() : nullptr;
  float* dgamma = din[1] ? din[1]->data() : nullptr;
  float* dbeta = din[2] ? din[2]->data() : nullptr;
  if (fast) {
    cpu::BatchNormBackward(s, in[0]->data(), in[1]->data(), save_mean_.data(), save_var_.data(),
                           dy.data(), fuse_relu_ ? out.data() : nullptr, dx, dgamma, dbeta);
    return;
  }
  ref::BatchNormBackward(s, in[0]->data(), in[1]->data(), save_mean_.data(), save_var_.data(),
                         dy.data(), dx, dgamma, dbeta);
}

// Inference mode is an affine map per channel with constant statistics.
void BatchNormOp::BackwardThroughInference(const std::vector<Tensor*>& in, const Tensor& dy,
                                           const std::vector<Tensor*>& din) {
  const auto s = ShapeOf(*in[0]);
  float* dx = din[0] ? din[0]->data() : nullptr;
  for (int64_t c = 0; c < s.c; ++c) {
    const float invstd = 1.0f / std::sqrt(save_var_[c] + eps_);
    const float scale = (*in[1])[c] * invstd;
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < s.spatial; ++i) {
        const int64_t idx = (n * s.c + c) * s.spatial + i;
        sum_dy += dy[idx];
        sum_dy_xhat += dy[idx] * ((*in[0])[idx] - save_mean_[c]) * invstd;
        if (dx) dx[idx] = dy[idx] * scale;
      }
    if (din[1]) (*din[1])[c] = static_cast<float>(sum_dy_xhat);
    if (din[2]) (*din[2])[c] = static_cast<float>(sum_dy);
  }
}

}  // namespace qforge
