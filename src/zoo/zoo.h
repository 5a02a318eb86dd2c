// The model zoo: built-in models for 28x28x1 images and 10 classes, each with the default
// training recipe that reaches its documented accuracy on Fashion-MNIST.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace qforge {

struct Recipe {
  int epochs = 10;
  int64_t batch = 64;
  std::string optimizer = "adam";
  float lr = 1e-3f;
  float weight_decay = 0.0f;
  std::string schedule = "cosine";
  int64_t warmup_steps = 0;
};

struct ZooModel {
  std::string name;
  std::string description;
  StatusOr<Graph> (*build)(uint64_t seed);
  Recipe recipe;
};

const std::vector<ZooModel>& ZooModels();
// nullptr if there is no such model.
const ZooModel* FindZooModel(const std::string& name);
std::string ZooModelNames();  // "mlp, lenet5, ..." for messages

}  // namespace qforge
