// qforge command line: train (float or quantization-aware, pruned, clustered), evaluate,
// quantize, convert, compress, inspect, run and benchmark models. Every command follows the
// conventions of cli/conventions.h: exit 2 for a wrong command line, 1 for failed work.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <map>
#include <new>
#include <string>

#include "cli/app.h"
#include "quant/fake_quant_op.h"

namespace {

constexpr int kWorkFailed = 1, kUsageError = 2;

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
  // Past a file-size limit (ulimit -f) a write then fails with EFBIG and is reported like a full
  // disk (the file being replaced stays as it was) instead of the signal ending the process.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app("qforge: train, quantize, compress and run neural networks", "qforge");
  std::map<CLI::App*, qforge::cli::Command> commands = qforge::cli::BuildApp(app);
  // Quantization-aware checkpoints hold FakeQuant ops; every command may load one.
  if (const qforge::Status s = qforge::quant::RegisterQuantOps(); !s.ok()) {
    fmt::print(stderr, "qforge: error: {}\n", s.message());
    return kWorkFailed;
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
