// Structural ops: element-wise sum and product, channel concatenation, reshapes.
#include "ops/tensor_ops.h"

#include <algorithm>

#include "core/simd_clones.h"

namespace qforge {

StatusOr<Shape> AddOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 2) return InvalidArgument("Add takes two inputs, got {}", in.size());
  if (in[0] != in[1])
    return InvalidArgument("Add inputs differ in shape: {} vs {}", ShapeToString(in[0]),
                           ShapeToString(in[1]));
  return in[0];
}

namespace {

QF_SIMD_CLONES void AddLoop(const float* __restrict a, const float* __restrict b, float* __restrict y, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

}  // namespace

void AddOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  AddLoop(in[0]->data(), in[1]->data(), out.data(), out.size());
}

void AddOp::Backward(const OpContext&, const std::vector<Tensor*>&, const Tensor&,
                     const Tensor& dy, const std::vector<Tensor*>& din) {
  for (Tensor* d : din)
    if (d) std::copy(dy.data(), dy.data() + dy.size(), d->data());
}

StatusOr<Shape> MulOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 2) return InvalidArgument("Mul takes two inputs, got {}", in.size());
  const bool gate = in[0].size() == 4 && in[1] == Shape{in[0][0], in[0][1], 1, 1};
  if (in[0] != in[1] && !gate)
    return InvalidArgument("Mul takes inputs of one shape or an [N, C, 1, 1] gate; got {} and {}",
                           ShapeToString(in[0]), ShapeToString(in[1]));
  return in[0];
}

void MulOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  const float *a = in[0]->data(), *b = in[1]->data();
  float* y = out.data();
  if (in[1]->size() == out.size()) {
    for (int64_t i = 0; i < out.size(); ++i) y[i] = a[i] * b[i];
    return;
  }
  const int64_t planes = in[1]->size(), hw = out.size() / planes;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < hw; ++i) y[p * hw + i] = a[p * hw + i] * b[p];
}

void MulOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor& out, const Tensor& dy,
                     const std::vector<Tensor*>& din) {
  const float *a = in[0]->data(), *b = in[1]->data(), *g = dy.data();
  const int64_t planes = in[1]->size(), hw = out.size() / planes;  // hw = 1 without broadcasting
  for (int64_t p = 0; p < planes; ++p) {
    float gate_grad = 0.0f;
    for (int64_t i = 0; i < hw; ++i) {
      if (din[0]) din[0]->data()[p * hw + i] = g[p * hw + i] * b[hw == 1 ? p * hw + i : p];
      gate_grad += g[p * hw + i] * a[p * hw + i];
    }
    if (din[1]) din[1]->data()[p] = gate_grad;
  }
}

StatusOr<Shape> ConcatOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() < 2) return InvalidArgument("Concat takes at least two inputs");
  Shape out = in[0];
  if (out.size() < 2) return InvalidArgument("Concat inputs need a channel dimension");
  for (size_t i = 1; i < in.size(); ++i) {
    Shape a = in[i], b = in[0];
    if (a.size() != b.size())
      return InvalidArgument("Concat input {} has rank {}, expected {}", i, a.size(), b.size());
    a[1] = b[1] = 0;
    if (a != b)
      return InvalidArgument("Concat input {} shape {} does not match {} outside channels", i,
                             ShapeToString(in[i]), ShapeToString(in[0]));
    out[1] += in[i][1];
  }
  return out;
}

void ConcatOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  const int64_t n = out.dim(0), out_per_sample = out.size() / n;
  int64_t offset = 0;
  for (const Tensor* t : in) {
    const int64_t per_sample = t->size() / n;
    for (int64_t i = 0; i < n; ++i)
      std::copy_n(t->data() + i * per_sample, per_sample, out.data() + i * out_per_sample + offset);
    offset += per_sample;
  }
}

void ConcatOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor& out,
                        const Tensor& dy, const std::vector<Tensor*>& din) {
  const int64_t n = out.dim(0), out_per_sample = out.size() / n;
  int64_t offset = 0;
  for (size_t k = 0; k < in.size(); ++k) {
    const int64_t per_sample = in[k]->size() / n;
    if (din[k])
      for (int64_t i = 0; i < n; ++i)
        std::copy_n(dy.data() + i * out_per_sample + offset, per_sample,
                    din[k]->data() + i * per_sample);
    offset += per_sample;
  }
}

StatusOr<std::unique_ptr<Op>> ReshapeOp::ReshapeFromAttrs(const nlohmann::json& attrs) {
  Shape target;
  try {
    target = attrs.at("shape").get<Shape>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("Reshape needs a 'shape' list: {}", e.what());
  }
  if (std::count(target.begin(), target.end(), -1) > 1)
    return InvalidArgument("Reshape shape may contain at most one -1");
  for (int64_t d : target)
    if (d == 0 || d < -1) return InvalidArgument("Reshape dimensions must be positive or -1");
  return std::unique_ptr<Op>(new ReshapeOp(target));
}

StatusOr<std::unique_ptr<Op>> ReshapeOp::FlattenFromAttrs(const nlohmann::json&) {
  return std::unique_ptr<Op>(new ReshapeOp({-1}, /*is_flatten=*/true));
}

nlohmann::json ReshapeOp::attrs() const {
  if (is_flatten_) return nlohmann::json::object();
  return {{"shape", target_}};
}

StatusOr<Shape> ReshapeOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 1 || in[0].empty()) return InvalidArgument("{} takes one input with a batch dimension", type());
  Shape rest(in[0].begin() + 1, in[0].end());
  const int64_t count = NumElements(rest);
  Shape out{in[0][0]};
  int64_t known = 1;
  for (int64_t d : target_) known *= d == -1 ? 1 : d;
  for (int64_t d : target_) out.push_back(d == -1 ? count / known : d);
  if (NumElements(Shape(out.begin() + 1, out.end())) != count)
    return InvalidArgument("cannot reshape {} to [N, {}]", ShapeToString(in[0]),
                           ShapeToString(target_).substr(1));
  return out;
}

void ReshapeOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  std::copy(in[0]->data(), in[0]->data() + in[0]->size(), out.data());
}

void ReshapeOp::Backward(const OpContext&, const std::vector<Tensor*>&, const Tensor&,
                         const Tensor& dy, const std::vector<Tensor*>& din) {
  if (din[0]) std::copy(dy.data(), dy.data() + dy.size(), din[0]->data());
}

}  // namespace qforge
