// Crash-safe files: a writer killed (SIGKILL) at random points while it replaces a checkpoint,
// a .qfm or a compressed .qfm leaves either the previous file or the new one, whole and
// loadable — never a torn file; a write that fails (a file-size limit, RLIMIT_FSIZE, standing in
// for a full disk: the same failing write) returns a clear error and leaves the previous file
// as it was, with no temporary file behind. The writer is a forked child running the very calls
// the qforge commands make (SaveCheckpoint; WriteFileAtomically of emitted or compressed model
// bytes) in a loop, alternating two versions, so that most kills land inside a write.
// QFORGE_CRASH_TRIALS sets the number of kills per file kind (default 200).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <thread>

#include "convert/compress.h"
#include "convert/emit.h"
#include "convert/lower.h"
#include "data/file_bytes.h"
#include "runtime/model/model.h"
#include "train/checkpoint.h"
#include "zoo/zoo.h"

namespace qforge {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int Trials() {
  const char* v = std::getenv("QFORGE_CRASH_TRIALS");
  return v ? std::max(1, std::atoi(v)) : 200;
}

// One kind of file: how to write version 0 or 1 of it, and how to load it.
struct FileKind {
  std::string name;
  std::function<Status(const std::string& path, int version)> write;
  std::function<Status(const std::string& path)> load;
};

Graph Lenet5(uint64_t seed) { return std::move(FindZooModel("lenet5")->build(seed)).value(); }

FileKind CheckpointKind() {
  auto graphs = std::make_shared<std::vector<Graph>>();
  graphs->push_back(Lenet5(1));
  graphs->push_back(Lenet5(2));
  return {"checkpoint",
          [graphs](const std::string& path, int version) {
            CheckpointMeta meta;
            meta.model_name = "lenet5";
            return SaveCheckpoint(path, (*graphs)[version], meta, {}, version);
          },
          [](const std::string& path) { return LoadCheckpoint(path).status(); }};
}

// lenet5 as an int8 .qfm, and compressed, from weights of `seed`.
std::vector<uint8_t> Int8Model(uint64_t seed, bool compressed) {
  Graph g = Lenet5(seed);
  auto lowered = convert::Lower(g);
  EXPECT_TRUE(lowered.ok());
  convert::EmitOptions o;
  o.mode = convert::Mode::kInt8;
  o.ranges = std::vector<convert::ValueRange>(lowered->values.size(), {-2.0f, 3.0f});
  auto bytes = convert::EmitQfm(*lowered, o);
  EXPECT_TRUE(bytes.ok());
  if (!compressed) return *bytes;
  auto model = runtime::Model::FromBytes(bytes->data(), bytes->size(), "lenet5.qfm");
  EXPECT_TRUE(model.ok());
  auto coded = convert::CompressQfm(**model, {});
  EXPECT_TRUE(coded.ok());
  return coded->bytes;
}

FileKind ModelKind(bool compressed) {
  auto versions = std::make_shared<std::vector<std::vector<uint8_t>>>();
  versions->push_back(Int8Model(1, compressed));
  versions->push_back(Int8Model(2, compressed));
  return {compressed ? "compressed qfm" : "qfm",
          [versions](const std::string& path, int version) { return WriteFileAtomically(path, (*versions)[version]); },
          [](const std::string& path) { return runtime::Model::Load(path).status(); }};
}

class CrashSafeFiles : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qforge_crash_" + std::to_string(getpid()) + "_" + std::to_string(GetParam()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    kind_ = GetParam() == 0 ? CheckpointKind() : ModelKind(GetParam() == 2);
    path_ = (dir_ / "file").string();
    for (int v = 0; v < 2; ++v) {  // the two versions' bytes, as the writer makes them
      ASSERT_TRUE(kind_.write(path_, v).ok());
      versions_[v] = ReadAll(path_);
    }
    ASSERT_NE(versions_[0], versions_[1]);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Files in the folder other than the target: temporary files left by a killed writer.
  int Leftovers(bool remove) {
    int n = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path().string() == path_) continue;
      ++n;
      if (remove) fs::remove(entry.path());
    }
    return n;
  }

  fs::path dir_;
  std::string path_;
  FileKind kind_;
  std::vector<uint8_t> versions_[2];
};

TEST_P(CrashSafeFiles, AWriterKilledAtRandomPointsLeavesTheOldFileOrTheNewOneWhole) {
  ASSERT_TRUE(kind_.write(path_, 0).ok());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(kind_.write(path_, 1).ok());
  const double write_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  std::mt19937 rng(GetParam() + 1);
  // Kills spread over the child's first few writes (fork and start-up included).
  std::uniform_real_distribution<double> delay_us(0.0, 4.0 * write_us + 200.0);
  const int trials = Trials();
  int old_file = 0, new_file = 0, inside_write = 0;
  for (int t = 0; t < trials; ++t) {
    const int before = t % 2;  // the file holds this version; the child writes the other, then this
    ASSERT_TRUE(kind_.write(path_, before).ok());
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int v = 1 - before;; v = 1 - v)
        if (!kind_.write(path_, v).ok()) _exit(3);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(delay_us(rng))));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer failed on its own (exit " << WEXITSTATUS(status) << ")";
    const std::vector<uint8_t> now = ReadAll(path_);
    const bool is_old = now == versions_[before], is_new = now == versions_[1 - before];
    ASSERT_TRUE(is_old || is_new) << kind_.name << ": trial " << t << " left a torn file of " << now.size() << " bytes";
    const Status loaded = kind_.load(path_);
    ASSERT_TRUE(loaded.ok()) << kind_.name << ": trial " << t << ": " << loaded.message();
    old_file += is_old;
    new_file += is_new;
    inside_write += Leftovers(/*remove=*/true) > 0;
  }
  std::printf("%s: %d kills (%.0f us per write): %d inside a write (temporary file left), file intact every time "
              "(%d old, %d new)\n",
              kind_.name.c_str(), trials, write_us, inside_write, old_file, new_file);
  // The kills must have hit writes in progress, or the test shows nothing.
  EXPECT_GE(inside_write, trials / 10);
  EXPECT_GT(new_file, 0);
  EXPECT_GT(old_file, 0);
}

TEST_P(CrashSafeFiles, AWriteBeyondTheFileSizeLimitFailsClearlyAndKeepsTheOldFile) {
  const rlim_t full = versions_[1].size();
  for (rlim_t limit : {rlim_t{0}, rlim_t{1}, rlim_t{4096}, full / 2, full - 1}) {
    ASSERT_TRUE(kind_.write(path_, 0).ok());
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // as `qforge` runs: SIGXFSZ ignored, so the write fails with EFBIG
      signal(SIGXFSZ, SIG_IGN);
      const rlimit r{limit, limit};
      if (setrlimit(RLIMIT_FSIZE, &r) != 0) _exit(4);
      const Status s = kind_.write(path_, 1);
      const std::string& m = s.message();
      if (write(pipe_fds[1], m.data(), m.size()) < 0) _exit(5);
      _exit(s.ok() ? 0 : 3);
    }
    close(pipe_fds[1]);
    std::string message;
    char buffer[512];
    for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, n);
    close(pipe_fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "limit " << limit << ": the writer was killed (signal " << WTERMSIG(status) << ")";
    EXPECT_EQ(WEXITSTATUS(status), 3) << "limit " << limit << ": the write did not fail";
    EXPECT_NE(message.find(path_ + ": not written"), std::string::npos) << message;
    EXPECT_NE(message.find("File too large"), std::string::npos) << message;
    EXPECT_NE(message.find("the existing file is unchanged"), std::string::npos) << message;
    EXPECT_EQ(ReadAll(path_), versions_[0]) << "limit " << limit;
    EXPECT_TRUE(kind_.load(path_).ok());
    EXPECT_EQ(Leftovers(/*remove=*/false), 0) << "limit " << limit << ": a temporary file was left";
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, CrashSafeFiles, ::testing::Values(0, 1, 2), [](const auto& info) {
  return std::string(info.param == 0 ? "Checkpoint" : info.param == 1 ? "Qfm" : "CompressedQfm");
});

}  // namespace
}  // namespace qforge
