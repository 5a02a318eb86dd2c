// The whole qforge command line as one CLI11 app: the global flags and every subcommand with
// its flags. main.cc parses argv with it and runs what was chosen; the flag-parsing fuzzer
// (fuzz/fuzz_cli_flags.cc) builds the same app and runs only parsing and the checks.
#pragma once

#include <CLI/CLI.hpp>
#include <map>

#include "cli/conventions.h"

namespace qforge::cli {

// Configures `app` (one subcommand required, --version, the footer, one-line errors) and adds
// every subcommand: the Command of each, keyed by its CLI11 subcommand.
std::map<CLI::App*, Command> BuildApp(CLI::App& app);

}  // namespace qforge::cli
