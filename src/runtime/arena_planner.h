// Arena planning: every intermediate tensor of a model gets an offset in one buffer, reusing
// the bytes of tensors that are no longer live (greedy by size, as TFLite's planner does).
// The interpreter plans once at prepare time and runs without allocating.
#pragma once

#include <cstdint>
#include <vector>

namespace qforge::runtime {

struct TensorLifetime {
  int64_t bytes = 0;
  int first_op = 0;  // the op that writes it (or 0 for model inputs)
  int last_op = 0;   // the last op that reads it (inclusive)
};

struct ArenaPlan {
  std::vector<int64_t> offsets;  // per tensor, multiples of the alignment
  int64_t peak_bytes = 0;        // arena size
};

// Tensors whose lifetimes overlap never share bytes.
ArenaPlan PlanArena(const std::vector<TensorLifetime>& tensors, int64_t alignment = 64);

// No plan can be smaller: the most bytes live at any one op (sizes rounded to the alignment).
int64_t LivenessLowerBound(const std::vector<TensorLifetime>& tensors, int64_t alignment = 64);

}  // namespace qforge::runtime
