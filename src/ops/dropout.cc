// Dropout op: Bernoulli mask drawn from the context's seeded generator.
#include "ops/dropout.h"

namespace qforge {

StatusOr<std::unique_ptr<Op>> DropoutOp::FromAttrs(const nlohmann::json& attrs) {
  const float rate = attrs.value("rate", 0.5f);
  if (!(rate >= 0.0f && rate < 1.0f)) return InvalidArgument("Dropout rate must be in [0, 1), got {}", rate);
  return std::unique_ptr<Op>(new DropoutOp(rate));
}

StatusOr<Shape> DropoutOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 1) return InvalidArgument("Dropout takes one input, got {}", in.size());
  return in[0];
}

void DropoutOp::Forward(const OpContext& ctx, const std::vector<Tensor*>& in, Tensor& out) {
  mask_.Resize(in[0]->shape());
  if (!ctx.training || rate_ == 0.0f || !ctx.rng) {
    mask_.Fill(1.0f);
  } else {
    const float keep_scale = 1.0f / (1.0f - rate_);
    for (int64_t i = 0; i < mask_.size(); ++i)
      mask_[i] = ctx.rng->Uniform() < rate_ ? 0.0f : keep_scale;
  }
  for (int64_t i = 0; i < out.size(); ++i) out[i] = (*in[0])[i] * mask_[i];
}

void DropoutOp::Backward(const OpContext&, const std::vector<Tensor*>&, const Tensor&,
                         const Tensor& dy, const std::vector<Tensor*>& din) {
  if (!din[0]) return;
  for (int64_t i = 0; i < dy.size(); ++i) (*din[0])[i] = dy[i] * mask_[i];
}

}  // namespace qforge
