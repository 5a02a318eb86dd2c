// InsertZeros (see insert_zeros.h): the forward pass scatters each plane onto a strided grid,
// the backward pass gathers the gradient back from it.
#include "ops/insert_zeros.h"

namespace qforge {
namespace {

// Calls visit(input offset, output offset) for every input pixel of every plane.
template <typename Visit>
void ForEachPixel(const Shape& in, const Shape& out, const std::array<int64_t, 2>& stride, Visit visit) {
  const int64_t planes = in[0] * in[1];
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < in[2]; ++y)
      for (int64_t x = 0; x < in[3]; ++x)
        visit((p * in[2] + y) * in[3] + x, (p * out[2] + y * stride[0]) * out[3] + x * stride[1]);
}

}  // namespace

StatusOr<std::unique_ptr<Op>> InsertZerosOp::FromAttrs(const nlohmann::json& attrs) {
  std::array<int64_t, 2> stride{1, 1};
  try {
    if (attrs.contains("stride")) stride = attrs.at("stride").get<std::array<int64_t, 2>>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("InsertZeros stride: {}", e.what());
  }
  if (stride[0] < 1 || stride[1] < 1 || stride[0] > 64 || stride[1] > 64)
    return InvalidArgument("InsertZeros strides must be 1..64, got {}x{}", stride[0], stride[1]);
  return std::unique_ptr<Op>(new InsertZerosOp(stride));
}

StatusOr<Shape> InsertZerosOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 1 || in[0].size() != 4) return InvalidArgument("InsertZeros takes one [N, C, H, W] input");
  return Shape{in[0][0], in[0][1], (in[0][2] - 1) * stride_[0] + 1, (in[0][3] - 1) * stride_[1] + 1};
}

void InsertZerosOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  out.Fill(0.0f);
  const float* x = in[0]->data();
  float* y = out.data();
  ForEachPixel(in[0]->shape(), out.shape(), stride_, [&](int64_t i, int64_t o) { y[o] = x[i]; });
}

void InsertZerosOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor& out, const Tensor& dy,
                             const std::vector<Tensor*>& din) {
  if (!din[0]) return;
  const float* g = dy.data();
  float* dx = din[0]->data();
  ForEachPixel(in[0]->shape(), out.shape(), stride_, [&](int64_t i, int64_t o) { dx[i] = g[o]; });
}

}  // namespace qforge
