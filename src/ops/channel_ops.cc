// BnFoldScale and ScaleChannels: forward and backward.
#include "ops/channel_ops.h"

#include <cmath>

namespace qforge {

StatusOr<std::unique_ptr<Op>> BnFoldScaleOp::FromAttrs(const nlohmann::json& attrs) {
  const float eps = attrs.value("eps", 1e-5f);
  if (!(eps > 0.0f) || !std::isfinite(eps)) return InvalidArgument("BnFoldScale eps must be positive");
  return std::unique_ptr<Op>(new BnFoldScaleOp(eps));
}

StatusOr<Shape> BnFoldScaleOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 2 || in[0].size() != 1 || in[0] != in[1])
    return InvalidArgument("BnFoldScale takes gamma [C] and running_var [C]");
  return in[0];
}

void BnFoldScaleOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  const float *gamma = in[0]->data(), *var = in[1]->data();
  for (int64_t c = 0; c < out.size(); ++c) out[c] = gamma[c] / std::sqrt(var[c] + eps_);
}

void BnFoldScaleOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor&, const Tensor& dy,
                             const std::vector<Tensor*>& din) {
  const float *gamma = in[0]->data(), *var = in[1]->data();
  for (int64_t c = 0; c < dy.size(); ++c) {
    const double inv = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps_);
    if (din[0]) din[0]->data()[c] = static_cast<float>(dy[c] * inv);
    if (din[1]) din[1]->data()[c] = static_cast<float>(-0.5 * dy[c] * gamma[c] * inv * inv * inv);
  }
}

StatusOr<std::unique_ptr<Op>> ScaleChannelsOp::FromAttrs(const nlohmann::json& attrs) {
  const int axis = attrs.value("axis", 1);
  if (axis < 0 || axis > 1) return InvalidArgument("ScaleChannels axis must be 0 (weights) or 1 (activations)");
  return std::unique_ptr<Op>(new ScaleChannelsOp(axis, attrs.value("invert", false)));
}

StatusOr<Shape> ScaleChannelsOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 2 || in[1].size() != 1 || static_cast<int>(in[0].size()) <= axis_)
    return InvalidArgument("ScaleChannels takes x and a scale vector");
  if (in[0][axis_] != in[1][0])
    return InvalidArgument("ScaleChannels: x has {} channels along axis {}, the scale {}", in[0][axis_], axis_, in[1][0]);
  return in[0];
}

namespace {

// Calls f(channel, first, end) for each contiguous run of one channel's elements.
template <typename F>
void ForEachRun(const Tensor& x, int axis, F&& f) {
  const Shape& s = x.shape();
  const int64_t channels = s[axis];
  int64_t inner = 1;
  for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t outer = x.size() / (channels * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) f(c, (o * channels + c) * inner, (o * channels + c + 1) * inner);
}

}  // namespace

void ScaleChannelsOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  const float *x = in[0]->data(), *s = in[1]->data();
  ForEachRun(*in[0], axis_, [&](int64_t c, int64_t first, int64_t end) {
    const float k = invert_ ? 1.0f / s[c] : s[c];
    for (int64_t i = first; i < end; ++i) out[i] = x[i] * k;
  });
}

void ScaleChannelsOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor&, const Tensor& dy,
                               const std::vector<Tensor*>& din) {
  const float *x = in[0]->data(), *s = in[1]->data();
  if (din[1]) std::fill_n(din[1]->data(), din[1]->size(), 0.0f);
  ForEachRun(*in[0], axis_, [&](int64_t c, int64_t first, int64_t end) {
    const float k = invert_ ? 1.0f / s[c] : s[c];
    double ds = 0.0;
    for (int64_t i = first; i < end; ++i) {
      if (din[0]) din[0]->data()[i] = dy[i] * k;
      ds += static_cast<double>(dy[i]) * x[i];
    }
    // d(x s)/ds = x; d(x / s)/ds = -x / s^2.
    if (din[1]) din[1]->data()[c] += static_cast<float>(invert_ ? -ds * k * k : ds);
  });
}

}  // namespace qforge
