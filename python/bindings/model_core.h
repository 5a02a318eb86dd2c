// ModelCore: the C++ side of qforge.Model — a training run (graph, preprocessing, optimizer
// state) with the pruning or clustering that its next fit applies. The Python class wraps it;
// options cross as JSON text so both sides validate the same dictionaries.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster/clusterer.h"
#include "sparsity/pruner.h"
#include "train/checkpoint.h"
#include "zoo/zoo.h"

namespace qforge::python {

class ModelCore {
 public:
  // Marks the model in use for one call (fit, predict, ...) that releases the GIL; a second call
  // on the same model meanwhile — from another thread, or from fit's callback — is an error
  // (FailedPreconditionError), not a race.
  class Busy {
   public:
    explicit Busy(const ModelCore& model);
    ~Busy();
    Busy(const Busy&) = delete;
    Busy& operator=(const Busy&) = delete;

   private:
    const ModelCore& model_;
  };

  // `fresh`: preprocessing not yet fixed — the first fit normalizes by its data, as a new
  // `qforge train` run does.
  ModelCore(Checkpoint run, bool fresh);

  static std::unique_ptr<ModelCore> FromZoo(const std::string& name, uint64_t seed);
  static std::unique_ptr<ModelCore> Load(const std::string& path);
  std::unique_ptr<ModelCore> Copy() const;
  // A new run of another graph of this model (e.g. its QAT rewrite): preprocessing, class names
  // and pruning (a schedule, or kept zeros) carried over; no optimizer state, no clustering.
  std::unique_ptr<ModelCore> NewRun(Graph graph, nlohmann::json train_state) const;

  void Save(const std::string& path) const;
  // Trains `epochs` epochs; options as Model.fit documents them. Returns the epochs' metrics.
  nlohmann::json Fit(const pybind11::object& x, const pybind11::object& y, const pybind11::object& x_val,
                     const pybind11::object& y_val, const nlohmann::json& options, const pybind11::object& progress);
  nlohmann::json Evaluate(const pybind11::object& x, const pybind11::object& y, int64_t batch,
                          const std::string& layout);
  pybind11::array_t<float> Predict(const pybind11::object& x, int64_t batch, const std::string& layout);

  // Pruning or clustering for the next fits (replacing any set before). Either starts a new run
  // (optimizer state cleared), as `qforge train --init CKPT --prune/--cluster` does.
  void SetPruning(const nlohmann::json& options);
  void SetClustering(const nlohmann::json& options);
  nlohmann::json WeightReport() const;  // sparsity and clusters of the conv/dense weights

  Checkpoint& run() { return run_; }
  const Checkpoint& run() const { return run_; }
  bool fresh() const { return fresh_; }
  void set_fresh(bool fresh) { fresh_ = fresh; }
  const Recipe& recipe() const { return recipe_; }

 private:
  void StartNewRun();

  Checkpoint run_;
  mutable std::atomic<bool> busy_{false};
  bool fresh_;
  Recipe recipe_;
  nlohmann::json pruning_ = nullptr, clustering_ = nullptr;  // as set, resolved at each fit
  std::shared_ptr<cluster::Clusterer> clusterer_;             // kept across fits: its assignments are fixed
};

// Options as Python sends them (json.dumps of a dict); an InvalidArgumentError unless an object.
nlohmann::json ParseOptions(const std::string& text, const char* what);

// A copy of a graph: structure through its JSON form, then every parameter tensor.
Graph CopyGraph(const Graph& graph);

void BindModel(pybind11::module_& m);

}  // namespace qforge::python
