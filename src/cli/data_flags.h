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
#include "runtime/model/model.h"
#include "train/checkpoint.h"

namespace qforge::cli {

struct DataFlags {
  std::string name = "fashion-mnist";
  std::string dir;  // overrides the package location of fashion-mnist
  std::string layout = "auto";

  void Register(CLI::App& cmd);
  // Both splits, fitted to `spec` (resized, cropped, gray replicated to RGB as it asks).
  StatusOr<TrainTestData> Load(const InputSpec& spec) const;
};

struct PreprocessFlags {
  int64_t input_size = 0, resize = 0;
  std::vector<float> mean, std;

  void Register(CLI::App& cmd);
  bool normalization_given() const { return !mean.empty() || !std.empty(); }
  // Writes the given flags into `pre`, checked against the model's input (`spec`).
  Status Apply(const InputSpec& spec, Preprocess* pre) const;
};

// The image input a model takes: shape {batch, C, H, W} (NCHW) and its preprocessing's resize.
StatusOr<InputSpec> ModelInputSpec(const Shape& nchw, const Preprocess& pre, const std::string& what);
StatusOr<InputSpec> ModelInputSpec(const Checkpoint& ck, const std::string& what);
StatusOr<InputSpec> ModelInputSpec(std::shared_ptr<const runtime::Model> qfm, const std::string& what);

// Errors unless the split has a label for every image (training and evaluation need them).
Status RequireLabels(const ImageDataset& split, const char* purpose);

}  // namespace qforge::cli
