// The qforge app: global flags, help footer and every subcommand (cli/app.h).
#include "cli/app.h"

#include <fmt/format.h>

#include "cli/commands.h"
#include "qforge/version.h"

namespace qforge::cli {
namespace {

constexpr const char* kEnvironment = R"(
Environment:
  QFORGE_ISA=ref|avx2|avx512vnni|avx512vbmi  cap the instruction set of the runtime's kernels
                                  (default: the best this CPU supports; on 64-bit Arm
                                  ref|neon|neondot)
  QFORGE_VERBOSE=1                log the kernel each runtime operator chose, on stderr

Conventions: positional arguments are files read; --out is the file written; --threads 0 = all
cores; --batch defaults to 64; --json prints only JSON on stdout. Exit 0 done, 1 failed, 2 bad
command line. `qforge COMMAND --help` shows each command with examples.)";

}  // namespace

std::map<CLI::App*, Command> BuildApp(CLI::App& app) {
  app.require_subcommand(1);
  app.set_version_flag("--version", "qforge " QFORGE_VERSION);
  app.footer(kEnvironment);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("qforge: error: {} (see --help)\n", e.what());
  });
  std::map<CLI::App*, Command> commands;
  using Adder = Command (*)(CLI::App&);
  for (Adder add : {&AddTrainCommand, &AddEvalCommand, &AddModelsCommand, &AddQuantizeCommand, &AddConvertCommand,
                    &AddInspectCommand, &AddRunCommand, &AddBenchCommand, &AddCompressCommand, &AddImportCommand,
                    &AddExportCommand, &AddDebugCommand}) {
    Command command = add(app);
    commands[app.get_subcommands({}).back()] = std::move(command);
  }
  return commands;
}

}  // namespace qforge::cli
