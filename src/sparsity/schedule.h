// Pruning schedules: the target sparsity of the pruned weights as a function of the training
// step, and the steps at which the masks are recomputed — TF-MOT's ConstantSparsity and
// PolynomialDecay (Zhu & Gupta 2017, "To prune, or not to prune": s_t = s_f + (s_i - s_f)
// (1 - (t - t_0) / (t_end - t_0))^3). C++20.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace qforge::sparsity {

struct PruningSchedule {
  enum class Kind { kConstant, kPolynomial };
  Kind kind = Kind::kPolynomial;
  double initial_sparsity = 0.0;  // polynomial: the target at begin_step
  double final_sparsity = 0.5;    // constant: the target throughout; polynomial: from end_step on
  int64_t begin_step = 0;
  int64_t end_step = 1000;  // the last step masks change (constant: -1 = never stops)
  int64_t frequency = 100;  // masks are recomputed every `frequency` steps from begin_step
  double power = 3.0;       // polynomial decay exponent

  Status Validate() const;
  // True at the steps where the masks are recomputed: begin_step, then every frequency steps
  // up to end_step, and end_step itself.
  bool UpdatesAt(int64_t step) const;
  // The target sparsity at `step` (0 before begin_step).
  double SparsityAt(int64_t step) const;
};

// "poly" or "const".
StatusOr<PruningSchedule::Kind> ParseScheduleKind(const std::string& name);

}  // namespace qforge::sparsity
