// Where a classifier graph's logits are: the value the cross-entropy loss reads.
#pragma once

#include "graph/graph.h"

namespace qforge {

// The model output, or — when the output is a Softmax, possibly followed by nodes that pass it
// through (a QAT graph's fake quantization of the probabilities, Op::PassesThrough) — the
// Softmax's input: the cross-entropy is computed on logits, the numerically stable form, and the
// probabilities are what the model outputs and predicts from.
int LogitsValue(const Graph& graph);

}  // namespace qforge
