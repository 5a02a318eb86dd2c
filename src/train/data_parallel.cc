// Broadcasting and comparing a model across ranks by fingerprints (64-bit FNV-1a).
#include "train/data_parallel.h"

#include <cstring>
#include <string_view>

namespace qforge {
namespace {

struct Fingerprint {
  uint64_t h = 1469598103934665603ull;
  void Add(const void* data, size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < bytes; ++i) h = (h ^ p[i]) * 1099511628211ull;
  }
  void Add(std::string_view s) { Add(s.data(), s.size() + 1); }
  void Add(const Shape& shape) { Add(shape.data(), shape.size() * sizeof(shape[0])); }
};

// True on every rank when all ranks hold the same fingerprint: rank 0's is broadcast and the
// ranks that differ from it counted.
bool AllRanksEqual(uint64_t fingerprint, distributed::Communicator& comm) {
  uint64_t root = fingerprint;
  comm.Broadcast(&root, sizeof(root));
  double differing = root == fingerprint ? 0.0 : 1.0;
  comm.Sum(&differing, 1);
  return differing == 0.0;
}

Fingerprint Structure(const Graph& graph, const std::map<std::string, Tensor>& optimizer_state) {
  Fingerprint f;
  for (const Param& p : graph.params()) {
    f.Add(p.name);
    f.Add(p.tensor.shape());
  }
  for (const auto& [name, t] : optimizer_state) {
    f.Add(name);
    f.Add(t.shape());
  }
  return f;
}

}  // namespace

Status BroadcastModel(Graph& graph, std::map<std::string, Tensor>& optimizer_state, distributed::Communicator& comm) {
  if (comm.size() == 1) return Status::Ok();
  if (!AllRanksEqual(Structure(graph, optimizer_state).h, comm))
    return InvalidArgument("the ranks hold different models or optimizer states (each rank must start from the same "
                           "model, flags and checkpoint)");
  for (Param& p : graph.params()) comm.Broadcast(p.tensor.data(), p.tensor.size() * static_cast<int64_t>(sizeof(float)));
  for (auto& [name, t] : optimizer_state) comm.Broadcast(t.data(), t.size() * static_cast<int64_t>(sizeof(float)));
  return Status::Ok();
}

Status CheckReplicasAgree(const Graph& graph, const std::map<std::string, Tensor>& optimizer_state,
                          distributed::Communicator& comm) {
  if (comm.size() == 1) return Status::Ok();
  Fingerprint f = Structure(graph, optimizer_state);
  for (const Param& p : graph.params()) f.Add(p.tensor.data(), p.tensor.size() * sizeof(float));
  for (const auto& [name, t] : optimizer_state) f.Add(t.data(), t.size() * sizeof(float));
  if (!AllRanksEqual(f.h, comm))
    return Status(StatusCode::kInternal, "the ranks' weights have drifted apart (their replicas are no longer "
                                         "bit-identical); the last checkpoint is left as it was");
  return Status::Ok();
}

}  // namespace qforge
