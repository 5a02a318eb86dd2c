// Conv2D op: shape rules and backend selection.
#include "ops/conv2d.h"

#include "ops/onednn/conv2d_onednn.h"
#include "ops/ref/channel_sum_ref.h"

namespace qforge {

Conv2DOp::Conv2DOp(Window2D window, int64_t groups) : window_(window), groups_(groups) {}
Conv2DOp::~Conv2DOp() = default;

StatusOr<std::unique_ptr<Op>> Conv2DOp::FromAttrs(const nlohmann::json& attrs) {
  QF_ASSIGN_OR_RETURN(Window2D win, WindowFromJson(attrs));
  const int64_t groups = attrs.value("groups", int64_t{1});
  if (groups < 1) return InvalidArgument("Conv2D groups must be >= 1, got {}", groups);
  return std::unique_ptr<Op>(new Conv2DOp(win, groups));
}

nlohmann::json Conv2DOp::attrs() const {
  nlohmann::json j = WindowToJson(window_);
  j["groups"] = groups_;
  return j;
}

StatusOr<Shape> Conv2DOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 2 && in.size() != 3)
    return InvalidArgument("Conv2D takes x, weight and an optional bias; got {} inputs", in.size());
  if (in[0].size() != 4) return InvalidArgument("Conv2D input must be NCHW, got {}", ShapeToString(in[0]));
  if (in[1].size() != 4) return InvalidArgument("Conv2D weight must be OIHW, got {}", ShapeToString(in[1]));
  const int64_t c = in[0][1], oc = in[1][0];
  if (c % groups_ || oc % groups_)
    return InvalidArgument("Conv2D channels ({} in, {} out) not divisible by groups {}", c, oc, groups_);
  if (in[1][1] != c / groups_)
    return InvalidArgument("Conv2D weight {} expects {} input channels per group, input has {}",
                           ShapeToString(in[1]), in[1][1], c / groups_);
  if (in[1][2] != window_.kernel[0] || in[1][3] != window_.kernel[1])
    return InvalidArgument("Conv2D weight {} does not match kernel {}x{}", ShapeToString(in[1]),
                           window_.kernel[0], window_.kernel[1]);
  if (in.size() == 3 && in[2] != Shape{oc})
    return InvalidArgument("Conv2D bias must be [{}], got {}", oc, ShapeToString(in[2]));
  QF_RETURN_IF_ERROR(window_.Validate(in[0][2], in[0][3]));
  return Shape{in[0][0], oc, window_.OutH(in[0][2]), window_.OutW(in[0][3])};
}

ref::ConvShape Conv2DOp::ShapeOf(const std::vector<Tensor*>& in) const {
  ref::ConvShape s;
  s.n = in[0]->dim(0);
  s.c = in[0]->dim(1);
  s.h = in[0]->dim(2);
  s.w = in[0]->dim(3);
  s.oc = in[1]->dim(0);
  s.groups = groups_;
  s.win = window_;
  return s;
}

void Conv2DOp::Forward(const OpContext& ctx, const std::vector<Tensor*>& in, Tensor& out) {
  const ref::ConvShape s = ShapeOf(in);
  const float* bias = in.size() > 2 ? in[2]->data() : nullptr;
  if (ctx.backend == Backend::kFast) {
    if (!fast_) fast_ = std::make_unique<onednn::Conv2DPrimitives>();
    fast_->Forward(s, in[0]->data(), in[1]->data(), bias, out.data());
  } else {
    ref::Conv2DForward(s, in[0]->data(), in[1]->data(), bias, out.data());
  }
}

void Conv2DOp::Backward(const OpContext& ctx, const std::vector<Tensor*>& in, const Tensor&,
                        const Tensor& dy, const std::vector<Tensor*>& din) {
  const ref::ConvShape s = ShapeOf(in);
  float* dbias = din.size() > 2 && din[2] ? din[2]->data() : nullptr;
  if (ctx.backend == Backend::kFast) {
    if (!fast_) fast_ = std::make_unique<onednn::Conv2DPrimitives>();
    fast_->Backward(s, in[0]->data(), in[1]->data(), dy.data(), din[0] ? din[0]->data() : nullptr,
                    din[1] ? din[1]->data() : nullptr, dbias);
    return;
  }
  if (din[0]) ref::Conv2DBackwardData(s, in[1]->data(), dy.data(), din[0]->data());
  if (din[1]) ref::Conv2DBackwardWeights(s, in[0]->data(), dy.data(), din[1]->data(), dbias);
  // A trainable bias beside frozen weights still needs its gradient.
  if (!din[1] && dbias) ref::ChannelSum(dy.data(), s.n, s.oc, s.oh() * s.ow(), dbias);
}

}  // namespace qforge
