// qforge command line: train (float or quantization-aware, pruned, clustered), evaluate,
// quantize, convert, compress, inspect, run and benchmark models.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <map>

#include "cli/commands.h"
#include "qforge/version.h"
#include "quant/fake_quant_op.h"

int main(int argc, char** argv) {
  CLI::App app("qforge: train, quantize, compress and run neural networks", "qforge");
  app.require_subcommand(1);
  app.set_version_flag("--version", "qforge " QFORGE_VERSION);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("qforge: error: {} (see --help)\n", e.what());
  });
  // Quantization-aware checkpoints hold FakeQuant ops; every command may load one.
  if (const qforge::Status s = qforge::quant::RegisterQuantOps(); !s.ok()) {
    fmt::print(stderr, "qforge: error: {}\n", s.message());
    return 1;
  }
  std::map<CLI::App*, qforge::cli::Command> commands;
  using Adder = qforge::cli::Command (*)(CLI::App&);
  for (Adder add : {&qforge::cli::AddTrainCommand, &qforge::cli::AddEvalCommand, &qforge::cli::AddModelsCommand,
                    &qforge::cli::AddQuantizeCommand, &qforge::cli::AddConvertCommand, &qforge::cli::AddInspectCommand,
                    &qforge::cli::AddRunCommand, &qforge::cli::AddBenchCommand, &qforge::cli::AddCompressCommand}) {
    auto run = add(app);
    commands[app.get_subcommands({}).back()] = std::move(run);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  for (auto& [sub, run] : commands) {
    if (!sub->parsed()) continue;
    const qforge::Status status = run();
    if (!status.ok()) {
      fmt::print(stderr, "qforge {}: error: {}\n", sub->get_name(), status.message());
      return 1;
    }
  }
  return 0;
}
