// The shared flags, registered one way for every command (see conventions.h).
#include "cli/conventions.h"

#include <algorithm>

#include "core/threading.h"

namespace qforge::cli {

CLI::Option* AddJsonFlag(CLI::App& cmd, bool* json) {
  return cmd.add_flag("--json", *json, "print only one JSON object on stdout (messages and progress go to stderr)");
}

CLI::Option* AddThreadsFlag(CLI::App& cmd, int* threads) {
  return cmd.add_option("--threads", *threads, "threads to use, 0 = all cores")
      ->check(CLI::Range(0, kMaxThreads))
      ->capture_default_str();
}

CLI::Option* AddThreadListFlag(CLI::App& cmd, std::vector<int>* threads) {
  return cmd.add_option("--threads", *threads, "threads to use, 0 = all cores; a list (1,2) runs each in turn")
      ->delimiter(',')
      ->check(CLI::Range(0, kMaxThreads))
      ->capture_default_str();
}

CLI::Option* AddBatchFlag(CLI::App& cmd, int64_t* batch, const std::string& what) {
  return cmd.add_option("--batch", *batch, what)->check(CLI::Range(int64_t{1}, kMaxBatch));
}

CLI::Option* AddOutFlag(CLI::App& cmd, std::string* out, const std::string& what) {
  return cmd.add_option("--out", *out, what);
}

void SetExamples(CLI::App& cmd, std::initializer_list<const char*> examples) {
  std::string text = "\nExamples:";
  for (const char* e : examples) text += std::string("\n  ") + e;
  cmd.footer(text);
}

int ResolveThreads(int threads) { return threads > 0 ? threads : std::clamp(AllCores(), 1, kMaxThreads); }

std::FILE* MessageStream(bool json) { return json ? stderr : stdout; }

}  // namespace qforge::cli
