// Dataset selection shared by commands: --data NAME or --data-dir DIR.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "data/dataset.h"

namespace qforge::cli {

struct DataFlags {
  std::string name = "fashion-mnist";
  std::string dir;  // overrides the package location

  void Register(CLI::App& cmd);
  StatusOr<TrainTestData> Load() const;
};

}  // namespace qforge::cli
