// Clustering flags and hooks for `qforge train`.
#include "cli/cluster_flags.h"

#include "cli/node_values.h"

namespace qforge::cli {

void ClusterFlags::Register(CLI::App& cmd) {
  cmd.add_option("--cluster", k, "share K values per conv/dense weight tensor (weight clustering)")
      ->check(CLI::Range(2, 256));
  cmd.add_option("--cluster-init", init, "centroid initialization: linear, random, density or kmeans++")
      ->capture_default_str();
  cmd.add_option("--cluster-layer", layers, "NODE=K: this node's own cluster count (repeatable)");
  cmd.add_option("--cluster-skip", skip, "leave this node unclustered (repeatable)");
  cmd.add_flag("--cluster-per-channel", per_channel, "K shared values per output channel instead of per tensor");
}

StatusOr<nlohmann::json> ClusterFlags::LayerCounts() const {
  QF_ASSIGN_OR_RETURN(nlohmann::json counts,
                      ParseNodeValues(layers, "--cluster-layer", "K with K in 2..256",
                                      [](double n) { return n >= 2 && n <= 256 && n == static_cast<int>(n); }));
  for (auto& count : counts) count = static_cast<int>(count.get<double>());
  return counts;
}

Status ClusterFlags::Check() const {
  if (k == 0 && per_channel) return InvalidArgument("--cluster-per-channel needs --cluster K");
  if (k == 0) return Status::Ok();
  QF_RETURN_IF_ERROR(cluster::ParseCentroidInit(init).status());
  return LayerCounts().status();
}

StatusOr<std::unique_ptr<cluster::ClusterOptions>> ClusterFlags::Resolve(Checkpoint& run, bool resuming,
                                                                          uint64_t seed) const {
  QF_RETURN_IF_ERROR(Check());
  nlohmann::json& stored = run.meta.train_state["clustering"];
  if (k == 0) {
    if (!resuming || stored.is_null()) {
      run.meta.train_state.erase("clustering");
      return std::unique_ptr<cluster::ClusterOptions>();
    }
  } else {
    QF_ASSIGN_OR_RETURN(const nlohmann::json counts, LayerCounts());
    stored = {{"k", k}, {"init", init}, {"layers", counts}, {"skip", skip}, {"per_channel", per_channel}};
  }
  QF_ASSIGN_OR_RETURN(cluster::ClusterOptions o, ClusterOptionsFromJson(stored, seed));
  return std::make_unique<cluster::ClusterOptions>(std::move(o));
}

}  // namespace qforge::cli
