// Clustering flags and hooks for `qforge train`.
#include "cli/cluster_flags.h"

namespace qforge::cli {

void ClusterFlags::Register(CLI::App& cmd) {
  cmd.add_option("--cluster", k, "share K values per conv/dense weight tensor (weight clustering)")
      ->check(CLI::Range(2, 256));
  cmd.add_option("--cluster-init", init, "centroid initialization: linear, random, density or kmeans++")
      ->capture_default_str();
  cmd.add_option("--cluster-layer", layers, "NODE=K: this node's own cluster count (repeatable)");
  cmd.add_option("--cluster-skip", skip, "leave this node unclustered (repeatable)");
}

StatusOr<std::unique_ptr<cluster::ClusterOptions>> ClusterFlags::Resolve(Checkpoint& run, bool resuming,
                                                                          uint64_t seed) const {
  nlohmann::json& stored = run.meta.train_state["clustering"];
  if (k == 0) {
    if (!resuming || stored.is_null()) {
      run.meta.train_state.erase("clustering");
      return std::unique_ptr<cluster::ClusterOptions>();
    }
  } else {
    nlohmann::json counts = nlohmann::json::object();
    for (const std::string& l : layers) {
      const size_t eq = l.find('=');
      int n = -1;
      try {
        if (eq != std::string::npos && eq > 0) n = std::stoi(l.substr(eq + 1));
      } catch (const std::exception&) {
      }
      if (n < 2 || n > 256) return InvalidArgument("--cluster-layer wants NODE=K with K in 2..256, not '{}'", l);
      counts[l.substr(0, eq)] = n;
    }
    stored = {{"k", k}, {"init", init}, {"layers", counts}, {"skip", skip}};
  }
  auto o = std::make_unique<cluster::ClusterOptions>();
  try {
    o->k = stored.at("k").get<int>();
    QF_ASSIGN_OR_RETURN(o->init, cluster::ParseCentroidInit(stored.at("init").get<std::string>()));
    o->layer_k = stored.at("layers").get<std::map<std::string, int>>();
    o->skip = stored.at("skip").get<std::vector<std::string>>();
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
  auto before = train.before_step;
  train.before_step = [before, clusterer](int64_t step, Graph& graph) {
    if (before) before(step, graph);
    clusterer->BeforeStep(graph);
  };
  auto after = train.after_step;
  train.after_step = [after, clusterer](int64_t step, Graph& graph) {
    if (after) after(step, graph);
    clusterer->AfterStep(graph);
  };
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
