// The command line's conventions, kept in one place so every command follows them (README,
// "Conventions"): positional arguments are the files a command reads; --out names the one file
// it writes (train: its checkpoint, .ckpt); --threads N is the number of threads, 0 = all cores
// (the default); --batch B is samples per step, 1..65536, default 64 (train: the model's
// recipe); --json makes stdout exactly one JSON object, with progress and messages on stderr.
// Exit codes: 0 done, 1 the work failed (a file, the data, the model), 2 the command line is
// wrong (unknown flag, bad value, conflicting flags) — always with one error line on stderr.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/status.h"

namespace qforge::cli {

inline constexpr int64_t kDefaultBatch = 64;
inline constexpr int64_t kMaxBatch = int64_t{1} << 16;
inline constexpr int kMaxThreads = 256;

// A subcommand: `check` validates what the flags alone can tell (its error exits 2), `run` does
// the work (its error exits 1). `check` may be empty.
struct Command {
  std::function<Status()> check;
  std::function<Status()> run;
};

CLI::Option* AddJsonFlag(CLI::App& cmd, bool* json);
// --threads N (0 = all cores, the default).
CLI::Option* AddThreadsFlag(CLI::App& cmd, int* threads);
// --threads N[,N...]: each count in turn (bench).
CLI::Option* AddThreadListFlag(CLI::App& cmd, std::vector<int>* threads);
// --batch B (1..65536).
CLI::Option* AddBatchFlag(CLI::App& cmd, int64_t* batch, const std::string& what);
// --out FILE, required unless the command has a default.
CLI::Option* AddOutFlag(CLI::App& cmd, std::string* out, const std::string& what);
// Ends the command's --help with these command lines.
void SetExamples(CLI::App& cmd, std::initializer_list<const char*> examples);

// --threads' value as a thread count: 0 becomes the number of cores.
int ResolveThreads(int threads);
// Where a command's messages for people go: stdout, or stderr under --json.
std::FILE* MessageStream(bool json);

}  // namespace qforge::cli
