// Learning-rate schedules as a function of the global step: constant, step decay, cosine
// (to zero at the last step), each optionally preceded by a linear warm-up.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace qforge {

struct LrSchedule {
  std::string type = "constant";  // constant | step | cosine
  float base_lr = 0.01f;
  int64_t total_steps = 1;
  int64_t warmup_steps = 0;
  int64_t step_size = 1;  // step decay: multiply by gamma every step_size steps
  float gamma = 0.1f;

  Status Validate() const;
  float At(int64_t step) const;
};

}  // namespace qforge
