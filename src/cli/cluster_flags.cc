// Clustering flags and hooks for `qforge train`.
#include "cli/cluster_flags.h"

#include "cli/train_hooks.h"

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
  auto o = std::make_unique<cluster::ClusterOptions>();
  try {
    o->k = stored.at("k").get<int>();
    QF_ASSIGN_OR_RETURN(o->init, cluster::ParseCentroidInit(stored.at("init").get<std::string>()));
    o->layer_k = stored.at("layers").get<std::map<std::string, int>>();
    o->skip = stored.at("skip").get<std::vector<std::string>>();
    o->per_channel = stored.value("per_channel", false);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("bad clustering options in the checkpoint: {}", e.what());
  }
  o->seed = seed;
  return o;
}

StatusOr<std::shared_ptr<cluster::Clusterer>> AttachClusterer(const cluster::ClusterOptions& options, Checkpoint& run,
                                                              TrainOptions& train) {
  QF_ASSIGN_OR_RETURN(cluster::Clusterer created, cluster::Clusterer::Create(run.graph, options));
  auto clusterer = std::make_shared<cluster::Clusterer>(std::move(created));
  AppendStepHooks(
      train, [clusterer](int64_t, Graph& graph) { clusterer->BeforeStep(graph); },
      [clusterer](int64_t, Graph& graph) { clusterer->AfterStep(graph); });
  return clusterer;
}

nlohmann::json ClusterJson(const cluster::Clusterer& clusterer, const Graph& graph) {
  nlohmann::json counts = nlohmann::json::object();
  for (const cluster::ClusteredLayer& layer : clusterer.layers()) {
    const Tensor& w = graph.params()[layer.param].tensor;
    counts[layer.node] = cluster::DistinctNonzero(w.data(), w.size());
  }
  return {{"clusters", counts}};
}

}  // namespace qforge::cli
