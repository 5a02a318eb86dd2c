// Pruning and clustering hooks and their reports (see weight_hooks.h).
#include "workflow/weight_hooks.h"

#include <algorithm>

namespace qforge {

StatusOr<sparsity::PruneOptions> PruneOptionsFromJson(const nlohmann::json& stored) {
  sparsity::PruneOptions o;
  try {
    if (stored.value("keep_sparsity", false)) {
      o.keep_zeros = true;
      o.skip = stored.value("skip", std::vector<std::string>{});
      return o;
    }
    QF_ASSIGN_OR_RETURN(o.schedule.kind, sparsity::ParseScheduleKind(stored.at("schedule").get<std::string>()));
    QF_ASSIGN_OR_RETURN(o.pattern, sparsity::SparsityPattern::Parse(stored.at("pattern").get<std::string>()));
    o.schedule.final_sparsity = stored.at("sparsity").get<double>();
    o.schedule.begin_step = stored.at("begin").get<int64_t>();
    o.schedule.end_step = stored.at("end").get<int64_t>();
    o.schedule.frequency = stored.at("frequency").get<int64_t>();
    o.layer_targets = stored.at("layers").get<std::map<std::string, double>>();
    o.skip = stored.at("skip").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("bad pruning options: {}", e.what());
  }
  QF_RETURN_IF_ERROR(o.schedule.Validate());
  return o;
}

int64_t PruneEndStep(int64_t begin, int64_t end, int64_t total_steps) {
  return end >= 0 ? end : std::max<int64_t>(begin + 1, total_steps * 2 / 3);
}

StatusOr<cluster::ClusterOptions> ClusterOptionsFromJson(const nlohmann::json& stored, uint64_t seed) {
  cluster::ClusterOptions o;
  try {
    o.k = stored.at("k").get<int>();
    QF_ASSIGN_OR_RETURN(o.init, cluster::ParseCentroidInit(stored.at("init").get<std::string>()));
    o.layer_k = stored.at("layers").get<std::map<std::string, int>>();
    o.skip = stored.at("skip").get<std::vector<std::string>>();
    o.per_channel = stored.value("per_channel", false);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("bad clustering options: {}", e.what());
  }
  o.seed = seed;
  return o;
}

void AppendStepHooks(TrainOptions& train, StepHook before, StepHook after) {
  train.before_step = [first = train.before_step, before](int64_t step, Graph& graph) {
    if (first) first(step, graph);
    before(step, graph);
  };
  train.after_step = [first = train.after_step, after](int64_t step, Graph& graph) {
    if (first) first(step, graph);
    after(step, graph);
  };
}

StatusOr<std::shared_ptr<sparsity::Pruner>> AttachPruner(const sparsity::PruneOptions& options, Checkpoint& run,
                                                         int64_t start_step, TrainOptions& train) {
  QF_ASSIGN_OR_RETURN(sparsity::Pruner created, sparsity::Pruner::Create(run.graph, options, start_step));
  auto pruner = std::make_shared<sparsity::Pruner>(std::move(created));
  AppendStepHooks(
      train, [pruner](int64_t step, Graph& graph) { pruner->BeforeStep(step, graph); },
      [pruner](int64_t, Graph& graph) { pruner->AfterStep(graph); });
  return pruner;
}

nlohmann::json SparsityJson(const Graph& graph) {
  const sparsity::SparsityReport r = sparsity::MeasureSparsity(graph);
  nlohmann::json layers = nlohmann::json::object();
  for (const auto& [node, s] : r.layers) layers[node] = s;
  return {{"sparsity", r.overall}, {"pruned_layers", layers}};
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

}  // namespace qforge
