// Pruning flags and hooks for `qforge train`.
#include "cli/prune_flags.h"

#include "cli/node_values.h"

namespace qforge::cli {

void PruneFlags::Register(CLI::App& cmd) {
  cmd.add_option("--prune", sparsity, "magnitude pruning to this final sparsity of the conv/dense weights")
      ->check(CLI::Range(0.0, 0.999));
  cmd.add_option("--prune-schedule", schedule, "poly (Zhu & Gupta, from 0) or const")->capture_default_str();
  cmd.add_option("--prune-pattern", pattern,
                 "unstructured, block, block:1xK, N:M (e.g. 2:4), channel or channel:M (whole filters, removed at "
                 "conversion; a multiple of M kept)")
      ->capture_default_str();
  cmd.add_option("--prune-begin", begin, "first pruning step")->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  cmd.add_option("--prune-end", end, "last step the masks change (default: 2/3 of the run)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd.add_option("--prune-frequency", frequency, "steps between mask updates")->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  cmd.add_option("--prune-layer", layers, "NODE=S: this node's own final sparsity (repeatable)");
  cmd.add_option("--prune-skip", skip, "leave this node dense (repeatable)");
  cmd.add_flag("--keep-sparsity", keep_sparsity, "keep the zeros of a pruned model while training (e.g. with --qat)");
}

StatusOr<nlohmann::json> PruneFlags::LayerTargets() const {
  return ParseNodeValues(layers, "--prune-layer", "S with S in [0, 1)", [](double s) { return s >= 0.0 && s < 1.0; });
}

Status PruneFlags::Check() const {
  if (keep_sparsity && sparsity >= 0) return InvalidArgument("use --prune or --keep-sparsity, not both");
  if (sparsity < 0) return Status::Ok();
  QF_RETURN_IF_ERROR(sparsity::ParseScheduleKind(schedule).status());
  QF_RETURN_IF_ERROR(sparsity::SparsityPattern::Parse(pattern).status());
  return LayerTargets().status();
}

StatusOr<std::unique_ptr<sparsity::PruneOptions>> PruneFlags::Resolve(Checkpoint& run, int64_t total_steps,
                                                                       bool resuming) const {
  QF_RETURN_IF_ERROR(Check());
  nlohmann::json& stored = run.meta.train_state["pruning"];
  if (keep_sparsity) {
    stored = {{"keep_sparsity", true}, {"skip", skip}};
  } else if (sparsity < 0) {
    if (!resuming || stored.is_null()) {
      run.meta.train_state.erase("pruning");
      return std::unique_ptr<sparsity::PruneOptions>();
    }
  } else {
    QF_ASSIGN_OR_RETURN(const nlohmann::json targets, LayerTargets());
    stored = {{"sparsity", sparsity}, {"schedule", schedule}, {"pattern", pattern}, {"begin", begin},
              {"end", PruneEndStep(begin, end, total_steps)},
              {"frequency", frequency}, {"layers", targets}, {"skip", skip}};
  }
  QF_ASSIGN_OR_RETURN(sparsity::PruneOptions o, PruneOptionsFromJson(stored));
  return std::make_unique<sparsity::PruneOptions>(std::move(o));
}

}  // namespace qforge::cli
