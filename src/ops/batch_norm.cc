// BatchNorm op: shape rules, train/inference switch, backend selection, and the gradient in
// both modes.
#include "ops/batch_norm.h"

#include <algorithm>
#include <cmath>

#include "ops/batch_norm_sync.h"
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
  if (in.size() != 5 && in.size() != 6)
    return InvalidArgument(
        "BatchNorm takes x, gamma, beta, running_mean, running_var [, input_scale]; got {} inputs", in.size());
  if (in[0].size() < 2) return InvalidArgument("BatchNorm input needs a channel dimension");
  for (size_t i = 1; i < in.size(); ++i)
    if (in[i] != Shape{in[0][1]})
      return InvalidArgument("BatchNorm parameter {} must be [{}], got {}", i, in[0][1],
                             ShapeToString(in[i]));
  return in[0];
}

ref::BatchNormShape BatchNormOp::ShapeOf(const std::vector<Tensor*>& in) {
  const Tensor& x = *in[0];
  ref::BatchNormShape s;
  s.n = x.dim(0);
  s.c = x.dim(1);
  s.spatial = x.size() / (s.n * s.c);
  s.eps = eps_;
  s.momentum = momentum_;
  if (in.size() == 6) {
    channel_eps_.Resize({s.c});
    for (int64_t c = 0; c < s.c; ++c) channel_eps_[c] = eps_ * (*in[5])[c] * (*in[5])[c];
    s.channel_eps = channel_eps_.data();
  }
  return s;
}

void BatchNormOp::Forward(const OpContext& ctx, const std::vector<Tensor*>& in, Tensor& out) {
  const auto s = ShapeOf(in);
  const float* scale = in.size() == 6 ? in[5]->data() : nullptr;
  const bool fast = ctx.backend == Backend::kFast;
  last_training_ = ctx.training && !frozen_;
  save_mean_.Resize({s.c});
  save_var_.Resize({s.c});
  const float *x = in[0]->data(), *gamma = in[1]->data(), *beta = in[2]->data();
  synchronized_ = last_training_ && ctx.replicas && ctx.replicas->size() > 1;
  if (synchronized_) {
    // The global batch's statistics; the running ones count the global batch too.
    ref::BatchNormShape global = s;
    global.n = SynchronizedBatchStatistics(s, x, *ctx.replicas, save_mean_.data(), save_var_.data());
    cpu::BatchNormForwardInference(s, x, gamma, beta, save_mean_.data(), save_var_.data(), fuse_relu_, out.data());
    UpdateRunningStatistics(global, scale, in);
    return;
  }
  if (last_training_) {
    if (fast) {
      cpu::BatchNormForwardTraining(s, x, gamma, beta, fuse_relu_, save_mean_.data(),
                                    save_var_.data(), out.data());
    } else {
      ref::BatchNormForwardTraining(s, x, gamma, beta, save_mean_.data(), save_var_.data(), out.data());
      if (fuse_relu_) ApplyRelu(out);
    }
    UpdateRunningStatistics(s, scale, in);
    return;
  }
  for (int64_t c = 0; c < s.c; ++c) {
    const float k = scale ? scale[c] : 1.0f;
    save_mean_[c] = (*in[3])[c] * k;
    save_var_[c] = (*in[4])[c] * k * k;
  }
  if (fast) {
    cpu::BatchNormForwardInference(s, x, gamma, beta, save_mean_.data(), save_var_.data(),
                                   fuse_relu_, out.data());
  } else {
    ref::BatchNormForwardInference(s, x, gamma, beta, save_mean_.data(), save_var_.data(), out.data());
    if (fuse_relu_) ApplyRelu(out);
  }
}

void BatchNormOp::UpdateRunningStatistics(const ref::BatchNormShape& s, const float* scale,
                                          const std::vector<Tensor*>& in) {
  if (!scale) {
    ref::UpdateRunningStats(s, save_mean_.data(), save_var_.data(), in[3]->data(), in[4]->data());
    return;
  }
  // The running statistics are those of z = x / s.
  z_mean_.Resize({s.c});
  z_var_.Resize({s.c});
  for (int64_t c = 0; c < s.c; ++c) {
    z_mean_[c] = save_mean_[c] / scale[c];
    z_var_[c] = save_var_[c] / (scale[c] * scale[c]);
  }
  ref::UpdateRunningStats(s, z_mean_.data(), z_var_.data(), in[3]->data(), in[4]->data());
}

void BatchNormOp::Backward(const OpContext& ctx, const std::vector<Tensor*>& in, const Tensor& out,
                           const Tensor& dy_in, const std::vector<Tensor*>& din) {
  const auto s = ShapeOf(in);
  const bool fast = ctx.backend == Backend::kFast;
  // Through the fused ReLU first (the fast kernels do this on the fly).
  const Tensor* dy_ptr = &dy_in;
  if (fuse_relu_ && !fast) {
    masked_grad_.Resize(dy_in.shape());
    for (int64_t i = 0; i < dy_in.size(); ++i) masked_grad_[i] = out[i] > 0.0f ? dy_in[i] : 0.0f;
    dy_ptr = &masked_grad_;
  }
  const Tensor& dy = *dy_ptr;
  const bool scale_grad = in.size() == 6 && din[5];
  if (!last_training_ && !fast) {
    BackwardThroughInference(s, in, dy, din);
    return;
  }
  if (!last_training_) {
    if (scale_grad) sum_dy_x_.Resize({s.c});
    cpu::BatchNormBackwardInference(s, in[0]->data(), in[1]->data(), save_mean_.data(), save_var_.data(),
                                    dy.data(), fuse_relu_ ? out.data() : nullptr, din[0] ? din[0]->data() : nullptr,
                                    din[1] ? din[1]->data() : nullptr, din[2] ? din[2]->data() : nullptr,
                                    scale_grad ? sum_dy_x_.data() : nullptr);
    for (int64_t c = 0; scale_grad && c < s.c; ++c)  // -(a / s) sum(dy x), see below
      (*din[5])[c] = -(*in[1])[c] / std::sqrt(save_var_[c] + s.Eps(c)) / (*in[5])[c] * sum_dy_x_[c];
    return;
  }
  float* dx = din[0] ? din[0]->data() : nullptr;
  if (scale_grad && !din[1]) sum_dy_xhat_.Resize({s.c});
  float* dgamma = din[1] ? din[1]->data() : (scale_grad ? sum_dy_xhat_.data() : nullptr);
  float* dbeta = din[2] ? din[2]->data() : nullptr;
  if (fast || synchronized_) {
    cpu::BatchNormBackward(s, in[0]->data(), in[1]->data(), save_mean_.data(), save_var_.data(), dy_in.data(),
                           fuse_relu_ ? out.data() : nullptr, dx, dgamma, dbeta, synchronized_ ? ctx.replicas : nullptr);
  } else {
    ref::BatchNormBackward(s, in[0]->data(), in[1]->data(), save_mean_.data(), save_var_.data(),
                           dy.data(), dx, dgamma, dbeta);
  }
  if (!scale_grad) return;
  // With batch statistics s enters only through eps * s^2:
  // dy_i/ds = -gamma xhat_i eps s / (var + eps s^2), so ds = -gamma eps s sum(dy xhat) / (var + eps s^2).
  for (int64_t c = 0; c < s.c; ++c) {
    const double sc = (*in[5])[c];
    (*din[5])[c] = static_cast<float>(-double{(*in[1])[c]} * eps_ * sc * dgamma[c] / (double{save_var_[c]} + s.Eps(c)));
  }
}

// Inference mode is an affine map per channel with constant statistics: y = a x + b with
// a = gamma / sqrt(var + eps) (in x's units) and b independent of an input scale s, whose
// gradient is then -(a / s) sum(dy x).
void BatchNormOp::BackwardThroughInference(const ref::BatchNormShape& s, const std::vector<Tensor*>& in,
                                           const Tensor& dy, const std::vector<Tensor*>& din) {
  float* dx = din[0] ? din[0]->data() : nullptr;
  for (int64_t c = 0; c < s.c; ++c) {
    const float invstd = 1.0f / std::sqrt(save_var_[c] + s.Eps(c));
    const float a = (*in[1])[c] * invstd;
    double sum_dy = 0, sum_dy_xhat = 0, sum_dy_x = 0;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < s.spatial; ++i) {
        const int64_t idx = (n * s.c + c) * s.spatial + i;
        sum_dy += dy[idx];
        sum_dy_xhat += dy[idx] * ((*in[0])[idx] - save_mean_[c]) * invstd;
        sum_dy_x += double{dy[idx]} * (*in[0])[idx];
        if (dx) dx[idx] = dy[idx] * a;
      }
    if (din[1]) (*din[1])[c] = static_cast<float>(sum_dy_xhat);
    if (din[2]) (*din[2])[c] = static_cast<float>(sum_dy);
    if (in.size() == 6 && din[5]) (*din[5])[c] = static_cast<float>(-a / (*in[5])[c] * sum_dy_x);
  }
}

}  // namespace qforge
