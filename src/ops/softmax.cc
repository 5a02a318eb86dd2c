// Softmax op: shape rule, a numerically stable forward (max subtracted), and its gradient.
#include "ops/softmax.h"

#include <algorithm>
#include <cmath>

namespace qforge {

StatusOr<Shape> SoftmaxOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 1) return InvalidArgument("Softmax takes one input, got {}", in.size());
  if (in[0].size() != 2) return InvalidArgument("Softmax takes [N, classes], got {}", ShapeToString(in[0]));
  return in[0];
}

void SoftmaxOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  const int64_t rows = in[0]->dim(0), classes = in[0]->dim(1);
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = in[0]->data() + r * classes;
    float* y = out.data() + r * classes;
    const float top = *std::max_element(x, x + classes);
    double sum = 0.0;
    for (int64_t c = 0; c < classes; ++c) sum += y[c] = std::exp(x[c] - top);
    for (int64_t c = 0; c < classes; ++c) y[c] = static_cast<float>(y[c] / sum);
  }
}

void SoftmaxOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor& out, const Tensor& dy,
                         const std::vector<Tensor*>& din) {
  if (!din[0]) return;
  const int64_t rows = in[0]->dim(0), classes = in[0]->dim(1);
  for (int64_t r = 0; r < rows; ++r) {
    const float* y = out.data() + r * classes;
    const float* g = dy.data() + r * classes;
    double dot = 0.0;
    for (int64_t c = 0; c < classes; ++c) dot += double{g[c]} * y[c];
    for (int64_t c = 0; c < classes; ++c) din[0]->data()[r * classes + c] = static_cast<float>(y[c] * (g[c] - dot));
  }
}

}  // namespace qforge
