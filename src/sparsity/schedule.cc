// Pruning schedules.
#include "sparsity/schedule.h"

#include <algorithm>
#include <cmath>

namespace qforge::sparsity {

Status PruningSchedule::Validate() const {
  auto fraction = [](double s) { return s >= 0.0 && s < 1.0; };
  if (!fraction(final_sparsity)) return InvalidArgument("pruning sparsity must be in [0, 1), not {}", final_sparsity);
  if (!fraction(initial_sparsity) || initial_sparsity > final_sparsity)
    return InvalidArgument("initial pruning sparsity must be in [0, final sparsity], not {}", initial_sparsity);
  if (begin_step < 0) return InvalidArgument("pruning begin step must be >= 0, not {}", begin_step);
  if (kind == Kind::kPolynomial && end_step <= begin_step)
    return InvalidArgument("polynomial pruning needs end step {} > begin step {}", end_step, begin_step);
  if (kind == Kind::kConstant && end_step != -1 && end_step < begin_step)
    return InvalidArgument("pruning end step {} is before the begin step {}", end_step, begin_step);
  if (frequency < 1) return InvalidArgument("pruning frequency must be >= 1 step, not {}", frequency);
  if (!(power > 0.0 && std::isfinite(power))) return InvalidArgument("pruning power must be > 0");
  return Status::Ok();
}

bool PruningSchedule::UpdatesAt(int64_t step) const {
  if (step < begin_step || (end_step != -1 && step > end_step)) return false;
  return (step - begin_step) % frequency == 0 || step == end_step;
}

double PruningSchedule::SparsityAt(int64_t step) const {
  if (step < begin_step) return 0.0;
  if (kind == Kind::kConstant) return final_sparsity;
  const double progress = std::min(1.0, static_cast<double>(step - begin_step) / static_cast<double>(end_step - begin_step));
  return final_sparsity + (initial_sparsity - final_sparsity) * std::pow(1.0 - progress, power);
}

StatusOr<PruningSchedule::Kind> ParseScheduleKind(const std::string& name) {
  if (name == "poly") return PruningSchedule::Kind::kPolynomial;
  if (name == "const") return PruningSchedule::Kind::kConstant;
  return InvalidArgument("unknown pruning schedule '{}' (poly, const)", name);
}

}  // namespace qforge::sparsity
