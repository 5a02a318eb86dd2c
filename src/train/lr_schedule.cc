// Learning-rate schedule formulas.
#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace qforge {

Status LrSchedule::Validate() const {
  if (type != "constant" && type != "step" && type != "cosine")
    return InvalidArgument("unknown LR schedule '{}' (choose constant, step or cosine)", type);
  if (!(base_lr > 0) || !std::isfinite(base_lr)) return InvalidArgument("learning rate must be a positive number");
  if (total_steps < 1 || warmup_steps < 0 || step_size < 1)
    return InvalidArgument("schedule step counts must be positive");
  if (!(gamma > 0 && gamma <= 1)) return InvalidArgument("step-decay gamma must be in (0, 1]");
  return Status::Ok();
}

float LrSchedule::At(int64_t step) const {
  if (step < warmup_steps) return base_lr * static_cast<float>(step + 1) / static_cast<float>(warmup_steps);
  const int64_t t = step - warmup_steps, span = std::max<int64_t>(1, total_steps - warmup_steps);
  if (type == "step") return base_lr * std::pow(gamma, static_cast<float>(t / step_size));
  if (type == "cosine") {
    const double progress = std::min(1.0, static_cast<double>(t) / static_cast<double>(span));
    return static_cast<float>(base_lr * 0.5 * (1.0 + std::cos(3.14159265358979 * progress)));
  }
  return base_lr;
}

}  // namespace qforge
