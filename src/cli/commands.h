// The `qforge` subcommands. Each registers its flags on a CLI11 app (following
// cli/conventions.h) and returns its check and run functions.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/conventions.h"

namespace qforge::cli {

Command AddTrainCommand(CLI::App& app);
Command AddEvalCommand(CLI::App& app);
Command AddModelsCommand(CLI::App& app);
Command AddQuantizeCommand(CLI::App& app);
Command AddInspectCommand(CLI::App& app);
Command AddRunCommand(CLI::App& app);
Command AddConvertCommand(CLI::App& app);
Command AddBenchCommand(CLI::App& app);
Command AddCompressCommand(CLI::App& app);
Command AddImportCommand(CLI::App& app);
Command AddExportCommand(CLI::App& app);
Command AddDebugCommand(CLI::App& app);

}  // namespace qforge::cli
