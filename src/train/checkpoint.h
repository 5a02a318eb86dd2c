// Checkpoints: graph structure, parameters, optimizer state and training progress in one file.
// Layout: magic "QFCKPT01", u64 header length, JSON header, float32 tensor payload, CRC-32 of
// everything before it. Written atomically; fully verified on load (CRC, header, shapes,
// finite values) so a damaged file gives an error, never a crash or a silently wrong model.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "graph/graph.h"

namespace qforge {

struct CheckpointMeta {
  std::string model_name;
  Preprocess preprocess;
  std::vector<std::string> class_names;
  nlohmann::json train_state = nlohmann::json::object();  // epoch, seed, recipe, metrics
  // Read back from a file: who wrote it ("qforge 0.6.0"; "" for files from before 0.6).
  // SaveCheckpoint always writes this build's QFORGE_PRODUCER.
  std::string producer;
};

struct Checkpoint {
  Graph graph;
  CheckpointMeta meta;
  std::map<std::string, Tensor> optimizer_state;
  int64_t optimizer_steps = 0;
};

Status SaveCheckpoint(const std::string& path, const Graph& graph, const CheckpointMeta& meta,
                      const std::map<std::string, Tensor>& optimizer_state,
                      int64_t optimizer_steps);
StatusOr<Checkpoint> LoadCheckpoint(const std::string& path);
StatusOr<Checkpoint> ParseCheckpoint(const std::vector<uint8_t>& bytes, const std::string& what);

}  // namespace qforge
