// BnFoldScale, ScaleChannels and AffineChannels: forward and backward.
#include "ops/channel_ops.h"

#include <cmath>

#include "core/simd_clones.h"

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

// x viewed as [outer, channels, inner] along `axis`.
struct ChannelView {
  int64_t outer, channels, inner;
  ChannelView(const Tensor& x, int axis) : channels(x.shape()[axis]), inner(1) {
    for (size_t d = axis + 1; d < x.shape().size(); ++d) inner *= x.shape()[d];
    outer = x.size() / (channels * inner);
  }
};

constexpr int64_t kParallelElements = 32768;

QF_SIMD_CLONES void ScaleChannelsLoop(const ChannelView& v, const float* __restrict x, const float* s, bool invert,
                                      float* __restrict y) {
#pragma omp parallel for collapse(2) if (v.outer * v.channels * v.inner > kParallelElements)
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t c = 0; c < v.channels; ++c) {
      const float k = invert ? 1.0f / s[c] : s[c];
      const int64_t base = (o * v.channels + c) * v.inner;
#pragma omp simd
      for (int64_t i = 0; i < v.inner; ++i) y[base + i] = x[base + i] * k;
    }
}

// dx (may be null) and ds (may be null) of y = x * s or x / s. One channel per iteration, so
// its scale gradient is summed without races.
QF_SIMD_CLONES void ScaleChannelsGradLoop(const ChannelView& v, const float* __restrict x, const float* s, bool invert,
                                          const float* __restrict g, float* __restrict dx, float* ds) {
#pragma omp parallel for if (v.outer * v.channels * v.inner > kParallelElements)
  for (int64_t c = 0; c < v.channels; ++c) {
    const float k = invert ? 1.0f / s[c] : s[c];
    float sum = 0.0f;
    for (int64_t o = 0; o < v.outer; ++o) {
      const int64_t base = (o * v.channels + c) * v.inner;
      float partial = 0.0f;
      if (dx) {
#pragma omp simd
        for (int64_t i = 0; i < v.inner; ++i) dx[base + i] = g[base + i] * k;
      }
#pragma omp simd reduction(+ : partial)
      for (int64_t i = 0; i < v.inner; ++i) partial += g[base + i] * x[base + i];
      sum += partial;
    }
    // d(x s)/ds = x; d(x / s)/ds = -x / s^2.
    if (ds) ds[c] = invert ? -sum * k * k : sum;
  }
}

}  // namespace

void ScaleChannelsOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  ScaleChannelsLoop(ChannelView(*in[0], axis_), in[0]->data(), in[1]->data(), invert_, out.data());
}

void ScaleChannelsOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor&, const Tensor& dy,
                               const std::vector<Tensor*>& din) {
  ScaleChannelsGradLoop(ChannelView(*in[0], axis_), in[0]->data(), in[1]->data(), invert_, dy.data(),
                        din[0] ? din[0]->data() : nullptr, din[1] ? din[1]->data() : nullptr);
}

StatusOr<Shape> AffineChannelsOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 3 || in[0].size() < 2 || in[1].size() != 1 || in[1] != in[2] || in[0][1] != in[1][0])
    return InvalidArgument("AffineChannels takes x [N, C, ...], a scale [C] and a shift [C]");
  return in[0];
}

void AffineChannelsOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  const ChannelView v(*in[0], 1);
  ScaleChannelsLoop(v, in[0]->data(), in[1]->data(), false, out.data());
  const float* shift = in[2]->data();
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t c = 0; c < v.channels; ++c) {
      float* y = out.data() + (o * v.channels + c) * v.inner;
      for (int64_t i = 0; i < v.inner; ++i) y[i] += shift[c];
    }
}

void AffineChannelsOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor&, const Tensor& dy,
                                const std::vector<Tensor*>& din) {
  const ChannelView v(*in[0], 1);
  ScaleChannelsGradLoop(v, in[0]->data(), in[1]->data(), false, dy.data(), din[0] ? din[0]->data() : nullptr,
                        din[1] ? din[1]->data() : nullptr);
  if (!din[2]) return;
  din[2]->Fill(0.0f);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t c = 0; c < v.channels; ++c) {
      const float* g = dy.data() + (o * v.channels + c) * v.inner;
      float sum = 0.0f;
      for (int64_t i = 0; i < v.inner; ++i) sum += g[i];
      (*din[2])[c] += sum;
    }
}

}  // namespace qforge
