// Softmax cross-entropy on logits, with its gradient, and accuracy counting.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace qforge {

// Mean over the batch of -log softmax(logits)[label]. If grad is non-null it receives
// d(mean loss)/d(logits) = (softmax - onehot) / N. Labels must be in [0, classes).
double SoftmaxCrossEntropy(const Tensor& logits, const std::vector<int32_t>& labels,
                           Tensor* grad);

// Index of the largest logit per row.
std::vector<int32_t> ArgMax(const Tensor& logits);

// How many rows' largest logit is their label.
int64_t CountCorrect(const Tensor& logits, const std::vector<int32_t>& labels);

}  // namespace qforge
