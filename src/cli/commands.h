// The `qforge` subcommands. Each registers its flags on a CLI11 app and returns a function
// that runs it and reports failure as a Status.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "core/status.h"

namespace qforge::cli {

using Command = std::function<Status()>;

Command AddTrainCommand(CLI::App& app);
Command AddEvalCommand(CLI::App& app);
Command AddModelsCommand(CLI::App& app);
Command AddQuantizeCommand(CLI::App& app);
Command AddInspectCommand(CLI::App& app);
Command AddRunCommand(CLI::App& app);
Command AddConvertCommand(CLI::App& app);
Command AddBenchCommand(CLI::App& app);
Command AddCompressCommand(CLI::App& app);

}  // namespace qforge::cli
