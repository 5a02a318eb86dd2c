// Fuzz target: the qforge command line. The input is split at NUL bytes into arguments after
// "qforge"; the app that `qforge` builds (cli/app.h) parses them, and the chosen command's
// check runs — the numeric and list values of every flag (--batch, --threads 1,2,4, --prune
// 2:4, --lr, --mean 0.5,0.5,0.5, ...), never the work itself. A wrong command line must end in
// CLI11's parse error or a failed check, as `qforge` turns them into exit 2.
#include <CLI/CLI.hpp>
#include <exception>
#include <string>
#include <vector>

#include "cli/app.h"

namespace {

constexpr size_t kMaxArgs = 48;

std::vector<std::string> SplitArgs(const uint8_t* data, size_t size) {
  std::vector<std::string> args = {"qforge"};
  std::string arg;
  for (size_t i = 0; i < size && args.size() < kMaxArgs; ++i) {
    if (data[i] == 0) {
      args.push_back(arg);
      arg.clear();
    } else {
      arg.push_back(static_cast<char>(data[i]));
    }
  }
  if (!arg.empty() && args.size() < kMaxArgs) args.push_back(arg);
  return args;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args = SplitArgs(data, size);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  CLI::App app("qforge", "qforge");
  auto commands = qforge::cli::BuildApp(app);
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    return 0;  // qforge prints it and exits 2
  }
  for (auto& [sub, command] : commands) {
    if (!sub->parsed() || !command.check) continue;
    try {
      (void)command.check();
    } catch (const std::exception&) {  // qforge reports these as failed work, exit 1
    }
  }
  return 0;
}
