// Pooling ops: shape rules and the reference kernels.
#include "ops/pooling.h"

#include "ops/cpu/max_pool_cpu.h"
#include "ops/onednn/avg_pool_onednn.h"
#include "ops/ref/pool_ref.h"

namespace qforge {
namespace {

ref::PoolShape ShapeOf(const Tensor& x, const Window2D& win) {
  ref::PoolShape s;
  s.n = x.dim(0);
  s.c = x.dim(1);
  s.h = x.dim(2);
  s.w = x.dim(3);
  s.win = win;
  return s;
}

StatusOr<std::unique_ptr<Op>> PoolFromAttrs(PoolOp::Kind kind, const nlohmann::json& attrs) {
  QF_ASSIGN_OR_RETURN(Window2D win, WindowFromJson(attrs));
  if (win.dilation != std::array<int64_t, 2>{1, 1})
    return InvalidArgument("pooling does not support dilation");
  return std::unique_ptr<Op>(new PoolOp(kind, win));
}

}  // namespace

PoolOp::PoolOp(Kind kind, Window2D window) : kind_(kind), window_(window) {}
PoolOp::~PoolOp() = default;

StatusOr<std::unique_ptr<Op>> PoolOp::MaxFromAttrs(const nlohmann::json& attrs) {
  return PoolFromAttrs(Kind::kMax, attrs);
}
StatusOr<std::unique_ptr<Op>> PoolOp::AvgFromAttrs(const nlohmann::json& attrs) {
  return PoolFromAttrs(Kind::kAvg, attrs);
}

StatusOr<Shape> PoolOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 1) return InvalidArgument("{} takes one input, got {}", type(), in.size());
  if (in[0].size() != 4) return InvalidArgument("{} input must be NCHW, got {}", type(), ShapeToString(in[0]));
  QF_RETURN_IF_ERROR(window_.Validate(in[0][2], in[0][3]));
  return Shape{in[0][0], in[0][1], window_.OutH(in[0][2]), window_.OutW(in[0][3])};
}

void PoolOp::Forward(const OpContext& ctx, const std::vector<Tensor*>& in, Tensor& out) {
  const auto s = ShapeOf(*in[0], window_);
  last_forward_fast_ = ctx.backend == Backend::kFast && ctx.training;
  if (ctx.backend == Backend::kFast && kind_ == Kind::kMax) {
    argmax_.resize(out.size());
    cpu::MaxPoolForward(s, in[0]->data(), out.data(), argmax_.data());
  } else if (ctx.backend == Backend::kFast) {
    if (!avg_fast_) avg_fast_ = std::make_unique<onednn::AvgPoolPrimitives>();
    avg_fast_->Forward(s, in[0]->data(), out.data());
  } else if (kind_ == Kind::kMax) {
    ref::MaxPoolForward(s, in[0]->data(), out.data());
  } else {
    ref::AvgPoolForward(s, in[0]->data(), out.data());
  }
}

void PoolOp::Backward(const OpContext& ctx, const std::vector<Tensor*>& in, const Tensor&,
                      const Tensor& dy, const std::vector<Tensor*>& din) {
  if (!din[0]) return;
  const auto s = ShapeOf(*in[0], window_);
  if (ctx.backend == Backend::kFast && last_forward_fast_ && kind_ == Kind::kMax) {
    cpu::MaxPoolBackward(s, argmax_.data(), dy.data(), din[0]->data());
  } else if (ctx.backend == Backend::kFast && last_forward_fast_) {
    avg_fast_->Backward(s, dy.data(), din[0]->data());
  } else if (kind_ == Kind::kMax) {
    ref::MaxPoolBackward(s, in[0]->data(), dy.data(), din[0]->data());
  } else {
    ref::AvgPoolBackward(s, dy.data(), din[0]->data());
  }
}

StatusOr<Shape> GlobalAvgPoolOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 1 || in[0].size() != 4)
    return InvalidArgument("GlobalAvgPool takes one NCHW input");
  return Shape{in[0][0], in[0][1]};
}

void GlobalAvgPoolOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  const int64_t planes = in[0]->dim(0) * in[0]->dim(1), hw = in[0]->dim(2) * in[0]->dim(3);
  const float* x = in[0]->data();
  for (int64_t p = 0; p < planes; ++p) {
    float sum = 0.0f;
    for (int64_t i = 0; i < hw; ++i) sum += x[p * hw + i];
    out[p] = sum / static_cast<float>(hw);
  }
}

void GlobalAvgPoolOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor&,
                               const Tensor& dy, const std::vector<Tensor*>& din) {
  if (!din[0]) return;
  const int64_t planes = in[0]->dim(0) * in[0]->dim(1), hw = in[0]->dim(2) * in[0]->dim(3);
  float* dx = din[0]->data();
  for (int64_t p = 0; p < planes; ++p) {
    const float g = dy[p] / static_cast<float>(hw);
    for (int64_t i = 0; i < hw; ++i) dx[p * hw + i] = g;
  }
}

}  // namespace qforge
