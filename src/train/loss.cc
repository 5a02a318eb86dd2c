// Softmax cross-entropy computed with the max-shift for stability.
#include "train/loss.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace qforge {

double SoftmaxCrossEntropy(const Tensor& logits, const std::vector<int32_t>& labels,
                           Tensor* grad) {
  const int64_t n = logits.dim(0), c = logits.dim(1);
  QF_CHECK(static_cast<int64_t>(labels.size()) == n);
  if (grad) grad->Resize(logits.shape());
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = logits.data() + i * c;
    const float mx = *std::max_element(row, row + c);
    double denom = 0;
    for (int64_t j = 0; j < c; ++j) denom += std::exp(static_cast<double>(row[j] - mx));
    QF_CHECK(labels[i] >= 0 && labels[i] < c);
    total += std::log(denom) - (row[labels[i]] - mx);
    if (!grad) continue;
    float* g = grad->data() + i * c;
    for (int64_t j = 0; j < c; ++j) {
      const double p = std::exp(static_cast<double>(row[j] - mx)) / denom;
      g[j] = static_cast<float>((p - (j == labels[i] ? 1.0 : 0.0)) / static_cast<double>(n));
    }
  }
  return total / static_cast<double>(n);
}

std::vector<int32_t> ArgMax(const Tensor& logits) {
  const int64_t n = logits.dim(0), c = logits.dim(1);
  std::vector<int32_t> out(n);
  for (int64_t i = 0; i < n; ++i) {
    const float* row = logits.data() + i * c;
    out[i] = static_cast<int32_t>(std::max_element(row, row + c) - row);
  }
  return out;
}

int64_t CountCorrect(const Tensor& logits, const std::vector<int32_t>& labels) {
  const auto pred = ArgMax(logits);
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) correct += pred[i] == labels[i];
  return correct;
}

}  // namespace qforge
