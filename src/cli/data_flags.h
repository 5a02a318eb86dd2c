// Dataset selection shared by commands: --data (fashion-mnist, an .npz/.npy file or an image
// folder), --data-dir, --layout; the data is loaded fitted to a model's input. Commands that
// set a model's preprocessing (train, import) also take --input-size, --resize, --mean, --std.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "data/conform.h"
#include "data/dataset.h"
#include "workflow/model_input.h"

namespace qforge::cli {

struct DataFlags {
  std::string name = "fashion-mnist";
  std::string dir;  // overrides the package location of fashion-mnist
  std::string layout = "auto";

  void Register(CLI::App& cmd);
  // Both splits, fitted to `spec` (resized, cropped, gray replicated to RGB as it asks).
  // stream_train: an image folder's training split is read from disk as batches need it.
  StatusOr<TrainTestData> Load(const InputSpec& spec, bool stream_train = false) const;
};

struct PreprocessFlags {
  int64_t input_size = 0, resize = 0;
  std::vector<float> mean, std;

  void Register(CLI::App& cmd);
  bool normalization_given() const { return !mean.empty() || !std.empty(); }
  // Writes the given flags into `pre`, checked against the model's input (`spec`).
  Status Apply(const InputSpec& spec, Preprocess* pre) const;
};

}  // namespace qforge::cli
