// Dense op: shape rules and backend selection.
#include "ops/dense.h"

#include "ops/onednn/dense_onednn.h"
#include "ops/ref/channel_sum_ref.h"
#include "ops/ref/dense_ref.h"

namespace qforge {

DenseOp::DenseOp() = default;
DenseOp::~DenseOp() = default;

StatusOr<std::unique_ptr<Op>> DenseOp::FromAttrs(const nlohmann::json&) {
  return std::unique_ptr<Op>(new DenseOp());
}

StatusOr<Shape> DenseOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 2 && in.size() != 3)
    return InvalidArgument("Dense takes x, weight and an optional bias; got {} inputs", in.size());
  if (in[0].size() != 2) return InvalidArgument("Dense input must be [N, K], got {}", ShapeToString(in[0]));
  if (in[1].size() != 2 || in[1][1] != in[0][1])
    return InvalidArgument("Dense weight must be [M, {}], got {}", in[0][1], ShapeToString(in[1]));
  if (in.size() == 3 && in[2] != Shape{in[1][0]})
    return InvalidArgument("Dense bias must be [{}], got {}", in[1][0], ShapeToString(in[2]));
  return Shape{in[0][0], in[1][0]};
}

void DenseOp::Forward(const OpContext& ctx, const std::vector<Tensor*>& in, Tensor& out) {
  const int64_t n = in[0]->dim(0), k = in[0]->dim(1), m = in[1]->dim(0);
  const float* bias = in.size() > 2 ? in[2]->data() : nullptr;
  if (ctx.backend == Backend::kFast) {
    if (!fast_) fast_ = std::make_unique<onednn::DensePrimitives>();
    fast_->Forward(n, k, m, in[0]->data(), in[1]->data(), bias, out.data());
  } else {
    ref::DenseForward(n, k, m, in[0]->data(), in[1]->data(), bias, out.data());
  }
}

void DenseOp::Backward(const OpContext& ctx, const std::vector<Tensor*>& in, const Tensor&,
                       const Tensor& dy, const std::vector<Tensor*>& din) {
  const int64_t n = in[0]->dim(0), k = in[0]->dim(1), m = in[1]->dim(0);
  float* dbias = din.size() > 2 && din[2] ? din[2]->data() : nullptr;
  if (ctx.backend == Backend::kFast) {
    if (!fast_) fast_ = std::make_unique<onednn::DensePrimitives>();
    if (din[0]) fast_->BackwardData(n, k, m, in[1]->data(), dy.data(), din[0]->data());
    if (din[1]) fast_->BackwardWeights(n, k, m, in[0]->data(), dy.data(), din[1]->data(), dbias);
  } else {
    if (din[0]) ref::DenseBackwardData(n, k, m, in[1]->data(), dy.data(), din[0]->data());
    if (din[1]) ref::DenseBackwardWeights(n, k, m, in[0]->data(), dy.data(), din[1]->data(), dbias);
  }
  if (!din[1] && dbias) ref::ChannelSum(dy.data(), n, m, 1, dbias);
}

}  // namespace qforge
