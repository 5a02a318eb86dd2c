// qforge command line: train (float or quantization-aware, pruned, clustered), evaluate,
// quantize, convert, compress, inspect, run and benchmark models. Every command follows the
// conventions of cli/conventions.h: exit 2 for a wrong command line, 1 for failed work.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <map>
#include <new>
#include <string>

#include "cli/commands.h"
#include "qforge/version.h"
#include "quant/fake_quant_op.h"

namespace {

constexpr int kWorkFailed = 1, kUsageError = 2;

constexpr const char* kEnvironment = R"(
Environment:
  QFORGE_ISA=ref|avx2|avx512vnni|avx512vbmi  cap the instruction set of the runtime's kernels
                                  (default: the best this CPU supports; on 64-bit Arm
                                  ref|neon|neondot)
  QFORGE_VERBOSE=1                log the kernel each runtime operator chose, on stderr

Conventions: positional arguments are files read; --out is the file written; --threads 0 = all
cores; --batch defaults to 64; --json prints only JSON on stdout. Exit 0 done, 1 failed, 2 bad
command line. `qforge COMMAND --help` shows each command with examples.)";

// Runs a parsed command's check and work: a failed check exits 2, failed work 1; an exception
// (out of memory, a filesystem error) is failed work too, reported on one line.
int RunCommand(const std::string& name, const qforge::cli::Command& command) {
  int code = kUsageError;
  try {
    if (command.check) {
      if (const qforge::Status status = command.check(); !status.ok()) {
        fmt::print(stderr, "qforge {}: error: {} (see qforge {} --help)\n", name, status.message(), name);
        return kUsageError;
      }
    }
    code = kWorkFailed;
    if (const qforge::Status status = command.run(); !status.ok()) {
      fmt::print(stderr, "qforge {}: error: {}\n", name, status.message());
      return kWorkFailed;
    }
    return 0;
  } catch (const std::bad_alloc&) {
    std::fputs("qforge: error: out of memory\n", stderr);
  } catch (const std::exception& e) {
    fmt::print(stderr, "qforge {}: error: {}\n", name, e.what());
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("qforge: train, quantize, compress and run neural networks", "qforge");
  app.require_subcommand(1);
  app.set_version_flag("--version", "qforge " QFORGE_VERSION);
  app.footer(kEnvironment);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("qforge: error: {} (see --help)\n", e.what());
  });
  // Quantization-aware checkpoints hold FakeQuant ops; every command may load one.
  if (const qforge::Status s = qforge::quant::RegisterQuantOps(); !s.ok()) {
    fmt::print(stderr, "qforge: error: {}\n", s.message());
    return kWorkFailed;
  }
  std::map<CLI::App*, qforge::cli::Command> commands;
  using Adder = qforge::cli::Command (*)(CLI::App&);
  for (Adder add : {&qforge::cli::AddTrainCommand, &qforge::cli::AddEvalCommand, &qforge::cli::AddModelsCommand,
                    &qforge::cli::AddQuantizeCommand, &qforge::cli::AddConvertCommand, &qforge::cli::AddInspectCommand,
                    &qforge::cli::AddRunCommand, &qforge::cli::AddBenchCommand, &qforge::cli::AddCompressCommand,
                    &qforge::cli::AddImportCommand, &qforge::cli::AddExportCommand, &qforge::cli::AddDebugCommand}) {
    auto command = add(app);
    commands[app.get_subcommands({}).back()] = std::move(command);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsageError;
  }
  for (auto& [sub, command] : commands) {
    if (!sub->parsed()) continue;
    const std::string name = sub->get_name();
    const int code = RunCommand(name, command);
    if (code != 0) return code;
  }
  return 0;
}
