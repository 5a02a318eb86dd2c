// Shared by the CLI tests: run the `qforge` binary capturing its output, write a small
// synthetic IDX dataset (class k = a bright bar in row band k), and a fixture with a temporary
// folder, the checks that an error is exactly one stderr line with the conventional exit code
// (2: the command line, 1: the work), and that --json prints exactly one JSON object.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace qforge_cli_test {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out, err;
};

// A file's whole content ("" if it cannot be read).
inline std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// `shell_prefix`: shell commands run first (e.g. "ulimit -v 400000; ").
Result RunQforge(const std::string& args, const fs::path& dir, const std::string& shell_prefix = "") {
  const std::string out = (dir / "stdout.txt").string(), err = (dir / "stderr.txt").string();
  const std::string cmd = shell_prefix + std::string(QFORGE_BIN) + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int status = std::system(cmd.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

std::vector<uint8_t> Idx(std::vector<uint32_t> dims, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> b{0, 0, 8, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

void WriteGz(const fs::path& p, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

// Class k: a bright horizontal bar in row band k; noise elsewhere.
void WriteSplit(const fs::path& dir, const std::string& prefix, uint32_t count) {
  std::vector<uint8_t> pixels, labels;
  uint32_t state = 12345 + count;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t label = static_cast<uint8_t>(i % 10);
    labels.push_back(label);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        state = state * 1664525u + 1013904223u;
        const bool bar = y >= 2 + label * 2 && y < 4 + label * 2;
        pixels.push_back(bar ? 220 : static_cast<uint8_t>((state >> 24) % 50));
      }
  }
  WriteGz(dir / (prefix + "-images-idx3-ubyte.gz"), Idx({count, 28, 28}, pixels));
  WriteGz(dir / (prefix + "-labels-idx1-ubyte.gz"), Idx({count}, labels));
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qforge_cli_test_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "data");
    WriteSplit(dir_ / "data", "train", 300);
    WriteSplit(dir_ / "data", "t10k", 100);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Data() const { return "--data-dir " + (dir_ / "data").string(); }
  std::string Out(const std::string& name) const { return (dir_ / name).string(); }

  // A wrong command line: exit 2 and exactly one line on stderr, naming qforge.
  void ExpectUsageError(const Result& r, const std::string& must_contain) { ExpectOneErrorLine(r, 2, must_contain); }
  // Work that failed (a file, the data, the model): exit 1 and exactly one line on stderr.
  void ExpectFailure(const Result& r, const std::string& must_contain) { ExpectOneErrorLine(r, 1, must_contain); }
  void ExpectOneErrorLine(const Result& r, int exit_code, const std::string& must_contain) {
    EXPECT_EQ(r.exit_code, exit_code) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("qforge", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(must_contain), std::string::npos) << r.err;
  }
  // A --json command's stdout: exactly one JSON object, nothing else.
  nlohmann::json OnlyJson(const Result& r) {
    const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object()) << "stdout is not one JSON object:\n" << r.out;
    return j.is_object() ? j : nlohmann::json::object();
  }

  fs::path dir_;
};

}  // namespace qforge_cli_test
