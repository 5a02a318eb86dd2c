// End-to-end tests of the `qforge` command: a tiny train -> eval round trip on a synthetic
// IDX dataset, --json output, and bad input (arguments, datasets, checkpoints) answered by one
// error line on stderr and a non-zero exit.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out, err;
};

Result RunQforge(const std::string& args, const fs::path& dir) {
  const std::string out = (dir / "stdout.txt").string(), err = (dir / "stderr.txt").string();
  const std::string cmd = std::string(QFORGE_BIN) + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int status = std::system(cmd.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  auto slurp = [](const std::string& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  r.out = slurp(out);
  r.err = slurp(err);
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

  // Exactly one line on stderr, naming qforge, and a non-zero exit.
  void ExpectCleanError(const Result& r, const std::string& must_contain) {
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.exit_code, 128) << "crashed";
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("qforge", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(must_contain), std::string::npos) << r.err;
  }

  fs::path dir_;
};

TEST_F(Cli, TrainEvalRoundTripWithJson) {
  Result t = RunQforge("train --model mlp --epochs 2 --threads 1 --json " + Data() + " --out " + Out("run"), dir_);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const std::string last = t.out.substr(t.out.rfind('\n', t.out.size() - 2) + 1);
  const auto j = nlohmann::json::parse(last);
  EXPECT_GT(j.at("test_accuracy").get<double>(), 0.9);
  EXPECT_GT(j.at("images_per_second").get<double>(), 0);
  const std::string ckpt = j.at("checkpoint").get<std::string>();
  EXPECT_TRUE(fs::exists(ckpt));

  Result e = RunQforge("eval " + ckpt + " --json " + Data(), dir_);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto je = nlohmann::json::parse(e.out);
  EXPECT_EQ(je.at("count").get<int>(), 100);
  EXPECT_DOUBLE_EQ(je.at("accuracy").get<double>(), j.at("test_accuracy").get<double>());

  // Resuming a finished run for more epochs continues it.
  Result r = RunQforge("train --resume " + ckpt + " --epochs 3 --json " + Data() + " --out " + Out("run"), dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("epoch 3/3"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("epoch 1/3"), std::string::npos) << r.out;

  Result m = RunQforge("models", dir_);
  ASSERT_EQ(m.exit_code, 0);
  for (const char* name : {"mlp", "lenet5", "mobilenet", "resnet"}) EXPECT_NE(m.out.find(name), std::string::npos);
}

TEST_F(Cli, BadArgumentsGiveOneErrorLine) {
  ExpectCleanError(RunQforge("train --model nosuchnet " + Data(), dir_), "unknown model");
  ExpectCleanError(RunQforge("train --model mlp --epochs -3 " + Data(), dir_), "epochs");
  ExpectCleanError(RunQforge("train --model mlp --epochs banana " + Data(), dir_), "epochs");
  ExpectCleanError(RunQforge("train --model mlp --lr 0 " + Data(), dir_), "lr");
  ExpectCleanError(RunQforge("train --model mlp --optimizer rmsprop " + Data(), dir_), "optimizer");
  ExpectCleanError(RunQforge("train --model mlp --frobnicate " + Data(), dir_), "frobnicate");
  ExpectCleanError(RunQforge("train " + Data(), dir_), "--model");
  ExpectCleanError(RunQforge("", dir_), "subcommand");
  ExpectCleanError(RunQforge("eval", dir_), "model is required");
  ExpectCleanError(RunQforge("train --model mlp --init a --resume b " + Data(), dir_), "not both");
}

TEST_F(Cli, BadDatasetsGiveOneErrorLine) {
  ExpectCleanError(RunQforge("train --model mlp --data-dir " + Out("nowhere"), dir_), "does not exist");
  const fs::path data = dir_ / "data";
  // Truncated gzip stream.
  std::ifstream in(data / "train-images-idx3-ubyte.gz", std::ios::binary);
  std::vector<char> gz((std::istreambuf_iterator<char>(in)), {});
  in.close();
  std::ofstream(data / "train-images-idx3-ubyte.gz", std::ios::binary).write(gz.data(), gz.size() / 2);
  ExpectCleanError(RunQforge("train --model mlp " + Data(), dir_), "train-images");
  // Images and labels disagree in count.
  WriteSplit(data, "train", 300);
  WriteGz(data / "train-labels-idx1-ubyte.gz", Idx({299}, std::vector<uint8_t>(299, 1)));
  ExpectCleanError(RunQforge("train --model mlp " + Data(), dir_), "labels");
  // Not an IDX file at all.
  WriteGz(data / "train-labels-idx1-ubyte.gz", {'h', 'e', 'l', 'l', 'o'});
  ExpectCleanError(RunQforge("train --model mlp " + Data(), dir_), "IDX");
  // Missing file.
  fs::remove(data / "train-labels-idx1-ubyte.gz");
  ExpectCleanError(RunQforge("train --model mlp " + Data(), dir_), "no such file");
}

TEST_F(Cli, BadCheckpointsGiveOneErrorLine) {
  ASSERT_EQ(RunQforge("train --model mlp --epochs 1 --threads 1 " + Data() + " --out " + Out("run"), dir_).exit_code, 0);
  const fs::path ckpt = dir_ / "run" / "model.ckpt";
  ExpectCleanError(RunQforge("eval " + Out("missing.ckpt") + " " + Data(), dir_), "no such file");
  std::ifstream in(ckpt, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  in.close();
  std::ofstream(Out("cut.ckpt"), std::ios::binary).write(bytes.data(), bytes.size() - 100);
  ExpectCleanError(RunQforge("eval " + Out("cut.ckpt") + " " + Data(), dir_), "checksum");
  bytes[bytes.size() / 2] ^= 0x40;
  std::ofstream(Out("flipped.ckpt"), std::ios::binary).write(bytes.data(), bytes.size());
  ExpectCleanError(RunQforge("eval " + Out("flipped.ckpt") + " " + Data(), dir_), "checksum");
  std::ofstream(Out("text.ckpt")) << "this is not a checkpoint\n";
  ExpectCleanError(RunQforge("eval " + Out("text.ckpt") + " " + Data(), dir_), "not a qforge checkpoint");
  ExpectCleanError(RunQforge("train --init " + ckpt.string() + " --model lenet5 " + Data(), dir_), "does not match");
  ExpectCleanError(RunQforge("eval " + (dir_ / "run").string() + " " + Data(), dir_), "directory");
}

}  // namespace
