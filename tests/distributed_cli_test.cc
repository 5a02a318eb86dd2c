// `mpirun -np 2 qforge train|quantize`: data-parallel training and calibration started for real
// by Open MPI's mpirun. Calibration on 2 ranks writes the very bytes 1 process does.
// Equivalence: 2 ranks x batch 32 and 1 process x batch 64 from the same seed end 50 steps with
// the same weights (1e-5 relative), float (synchronized batch norm) and int8 QAT, and every
// rank exports the same bytes. Faults: a rank killed mid-epoch, and a rank that stops
// answering, end the job within a timeout with a clear error; the last checkpoint resumes.
// Streamed NPY shards on 2 ranks train as the shards loaded whole.
#include <signal.h>

#include <array>
#include <chrono>
#include <cmath>
#include <thread>

#include "cli_helpers.h"
#include "data/npy.h"
#include "quant/fake_quant_op.h"
#include "train/checkpoint.h"

namespace qforge_cli_test {
namespace {

using Clock = std::chrono::steady_clock;

// The mpirun command line for `ranks` processes of qforge on this machine (root is allowed:
// CI containers run as root).
std::string Mpirun(int ranks) {
  return fmt::format("{} -np {} --oversubscribe --bind-to none{} {}", QFORGE_MPIRUN, ranks,
                     geteuid() == 0 ? " --allow-run-as-root" : "", QFORGE_BIN);
}

Result RunShell(const std::string& command, const fs::path& dir) {
  const std::string out = (dir / "stdout.txt").string(), err = (dir / "stderr.txt").string();
  const int status = std::system((command + " >" + out + " 2>" + err + " </dev/null").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, Slurp(out), Slurp(err)};
}

class Distributed : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    ASSERT_TRUE(qforge::quant::RegisterQuantOps().ok());
    fs::create_directories(dir_ / "steps50");
    WriteSplit(dir_ / "steps50", "train", 3200);  // one epoch of 50 global batches of 64
    WriteSplit(dir_ / "steps50", "t10k", 200);
  }
  std::string Steps50() const { return "--data-dir " + (dir_ / "steps50").string(); }

  // The largest relative difference ||a - b|| / ||b|| over the parameters of two checkpoints:
  // [0] the model's own (weights, batch-norm statistics), [1] the quantizers' state (ranges).
  std::array<double, 2> WorstRelativeDifference(const std::string& a_path, const std::string& b_path) {
    auto a = qforge::LoadCheckpoint(a_path);
    auto b = qforge::LoadCheckpoint(b_path);
    EXPECT_TRUE(a.ok() && b.ok()) << a_path << " / " << b_path;
    if (!a.ok() || !b.ok()) return {INFINITY, INFINITY};
    const auto& params = a->graph.params();
    EXPECT_EQ(params.size(), b->graph.params().size());
    std::vector<char> quantizer_state(params.size(), 0);
    for (const qforge::Node& node : a->graph.nodes())
      if (node.op->type() == qforge::quant::FakeQuantOp::kType)
        for (size_t k = 1; k < node.inputs.size(); ++k)
          for (size_t p = 0; p < params.size(); ++p) quantizer_state[p] |= params[p].value == node.inputs[k];
    std::array<double, 2> worst{0, 0};
    for (size_t p = 0; p < params.size() && p < b->graph.params().size(); ++p) {
      const qforge::Tensor &x = params[p].tensor, &y = b->graph.params()[p].tensor;
      EXPECT_EQ(x.shape(), y.shape());
      double diff = 0, norm = 0;
      for (int64_t i = 0; i < x.size() && i < y.size(); ++i) {
        diff += (double{x[i]} - y[i]) * (double{x[i]} - y[i]);
        norm += double{y[i]} * y[i];
      }
      const double relative = norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
      worst[quantizer_state[p]] = std::max(worst[quantizer_state[p]], relative);
      if (std::getenv("QFORGE_TEST_VERBOSE")) std::printf("  %-40s %.3g\n", params[p].name.c_str(), relative);
    }
    return worst;
  }
};

TEST_F(Distributed, TwoRanksOfBatch32TrainAsOneOfBatch64FloatAndQat) {
  const std::string common = Steps50() + " --model lenet5 --epochs 1 --seed 7 --optimizer sgd --lr 0.05 --json ";
  // Float, synchronized batch norm.
  Result one = RunQforge("train " + common + "--batch 64 --threads 1 --out " + Out("one/model.ckpt"), dir_);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  Result two = RunShell(Mpirun(2) + " train " + common + "--batch 32 --threads 1 --rank-files --out " +
                            Out("two/model.ckpt"), dir_);
  ASSERT_EQ(two.exit_code, 0) << two.err;
  const nlohmann::json j = OnlyJson(two);  // rank 0 alone prints
  EXPECT_EQ(j.value("world_size", 0), 2);
  EXPECT_EQ(j.value("global_batch", 0), 64);
  // Messages go to stderr under --json, from rank 0 only.
  EXPECT_EQ(two.err.find("training lenet5"), two.err.rfind("training lenet5")) << two.err;
  const auto float_difference = WorstRelativeDifference(Out("two/model.ckpt"), Out("one/model.ckpt"));
  EXPECT_LT(float_difference[0], 1e-5);
  EXPECT_EQ(WorstRelativeDifference(Out("two/model.rank1.ckpt"), Out("two/model.ckpt"))[0], 0.0);
  std::printf("float: 2 ranks x 32 vs 1 x 64 after 50 steps: worst relative difference %.3g\n", float_difference[0]);
  // Small buckets (many all-reduces started during back-propagation): the same sums.
  const Result small = RunShell(Mpirun(2) + " train " + common + "--batch 32 --threads 1 --bucket-mb 0.01 --out " +
                                    Out("small/model.ckpt"), dir_);
  ASSERT_EQ(small.exit_code, 0) << small.err;
  EXPECT_EQ(WorstRelativeDifference(Out("small/model.ckpt"), Out("two/model.ckpt"))[0], 0.0);

  // Int8 QAT from the float run, 50 more steps each way.
  const std::string qat = Steps50() + " --init " + Out("one/model.ckpt") +
                          " --qat --epochs 1 --seed 7 --optimizer sgd --lr 0.01 --json --threads 1 ";
  one = RunQforge("train " + qat + "--batch 64 --out " + Out("qat1/model.ckpt"), dir_);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  two = RunShell(Mpirun(2) + " train " + qat + "--batch 32 --rank-files --out " + Out("qat2/model.ckpt"), dir_);
  ASSERT_EQ(two.exit_code, 0) << two.err;
  const auto qat_difference = WorstRelativeDifference(Out("qat2/model.ckpt"), Out("qat1/model.ckpt"));
  EXPECT_LT(qat_difference[0], 1e-5);
  // A range follows the batch's extreme values, where one activation rounded to the next level
  // (by a difference in the last bit upstream) moves it by a step: looser than the weights.
  EXPECT_LT(qat_difference[1], 1e-4);
  const auto qat_ranks = WorstRelativeDifference(Out("qat2/model.rank1.ckpt"), Out("qat2/model.ckpt"));
  EXPECT_EQ(qat_ranks[0], 0.0);
  EXPECT_EQ(qat_ranks[1], 0.0);
  std::printf("int8 QAT: 2 ranks x 32 vs 1 x 64 after 50 steps: worst relative difference %.3g (weights), %.3g "
              "(quantizer ranges)\n", qat_difference[0], qat_difference[1]);
  const std::string qfm0 = Slurp(Out("qat2/model.qfm")), qfm1 = Slurp(Out("qat2/model.rank1.qfm"));
  EXPECT_GT(qfm0.size(), 1000u);
  EXPECT_TRUE(qfm0 == qfm1) << "the ranks exported different .qfm files";
}

TEST_F(Distributed, PruningMasksAndClusteringAreTheSameOnEveryRank) {
  const std::string common = Steps50() + " --model lenet5 --epochs 1 --seed 3 --batch 32 --threads 1 --rank-files --json ";
  Result r = RunShell(Mpirun(2) + " train " + common + "--prune 0.6 --prune-begin 0 --prune-end 40 --prune-frequency 10 --out " +
                          Out("prune/model.ckpt"), dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NEAR(OnlyJson(r).value("sparsity", 0.0), 0.6, 0.02);
  EXPECT_EQ(WorstRelativeDifference(Out("prune/model.rank1.ckpt"), Out("prune/model.ckpt"))[0], 0.0);
  r = RunShell(Mpirun(2) + " train " + Steps50() + " --init " + Out("prune/model.ckpt") +
                   " --epochs 1 --batch 32 --threads 1 --rank-files --json --cluster 8 --out " + Out("cluster/model.ckpt"),
               dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(OnlyJson(r).contains("clusters")) << r.out;
  EXPECT_EQ(WorstRelativeDifference(Out("cluster/model.rank1.ckpt"), Out("cluster/model.ckpt"))[0], 0.0);
}

// Streamed NPY shards on 2 ranks (each reading only its share of every batch) train to the
// weights the same shards loaded whole by each rank train to, bit for bit.
TEST_F(Distributed, StreamedShardsTrainOnRanksAsShardsInMemory) {
  fs::create_directories(dir_ / "shards");
  for (int shard = 0; shard < 2; ++shard) {
    const int64_t n = 300 + 17 * shard;
    qforge::NpyArray x{qforge::NpyType::kUInt8, {n, 28, 28}, std::vector<uint8_t>(n * 784)};
    qforge::NpyArray y{qforge::NpyType::kUInt8, {n}, std::vector<uint8_t>(n)};
    for (int64_t i = 0; i < n; ++i) {
      y.data[i] = static_cast<uint8_t>((i * 7 + shard) % 10);
      for (int64_t k = 0; k < 784; ++k)
        x.data[i * 784 + k] = static_cast<uint8_t>((k / 28 / 2 == y.data[i] ? 220 : 0) + (k * (i + 1)) % 50);
    }
    for (const auto& [name, array] : {std::pair{"x_train", &x}, std::pair{"y_train", &y}, std::pair{"x_test", &x},
                                      std::pair{"y_test", &y}}) {
      if (shard == 1 && name[2] == 't' && name[3] == 'e') continue;  // one test shard
      const std::vector<uint8_t> bytes = qforge::SerializeNpy(*array);
      std::ofstream(dir_ / "shards" / fmt::format("{}-{}.npy", name, shard), std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
  }
  const std::string train = Mpirun(2) + " train --model lenet5 --data " + Out("shards") +
                            " --epochs 1 --batch 16 --seed 4 --augment-crop 2 --threads 1 --json --out ";
  const Result memory = RunShell(train + Out("memory/model.ckpt"), dir_);
  ASSERT_EQ(memory.exit_code, 0) << memory.err;
  const Result streamed = RunShell(train + Out("streamed/model.ckpt") + " --stream --loader-threads 2", dir_);
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  EXPECT_EQ(OnlyJson(streamed).value("world_size", 0), 2);
  EXPECT_EQ(WorstRelativeDifference(Out("streamed/model.ckpt"), Out("memory/model.ckpt"))[0], 0.0);
}

TEST_F(Distributed, CalibrationShardedOverRanksGivesTheOneProcessModel) {
  Result r = RunQforge("train " + Steps50() + " --model lenet5 --epochs 1 --out " + Out("float/model.ckpt"), dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string method : {"minmax", "kl", "mse"})
    for (const std::string extra : {"", " --bias-correction", " --equalize"}) {
      const std::string args = "quantize " + Out("float/model.ckpt") + " " + Steps50() + " --calib-samples 999 --calib-method " +
                               method + extra + " --out ";
      r = RunQforge(args + Out("q1.qfm"), dir_);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      r = RunShell(Mpirun(2) + " " + args + Out("q2.qfm") + " --rank-files --json", dir_);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(OnlyJson(r).value("out", ""), Out("q2.qfm"));  // rank 0 alone prints
      const std::string one = Slurp(Out("q1.qfm"));
      EXPECT_GT(one.size(), 1000u);
      EXPECT_TRUE(Slurp(Out("q2.qfm")) == one) << method << extra << ": 2 ranks calibrated another model than 1 process";
      EXPECT_TRUE(Slurp(Out("q2.rank1.qfm")) == one) << method << extra << ": rank 1 wrote another model";
    }
  // AdaRound's optimization is not data-parallel: a clear error, the job stopped.
  r = RunShell(Mpirun(2) + " quantize " + Out("float/model.ckpt") + " " + Steps50() + " --adaround --out " + Out("q3.qfm"), dir_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("AdaRound runs in one process"), std::string::npos) << r.err;
}

TEST_F(Distributed, ARankFailingAloneStopsTheJobWithItsMessage) {
  // Rank 1 alone is given a data folder that does not exist (a wrapper edits its command line).
  const fs::path wrapper = dir_ / "rank1_bad_data.sh";
  std::ofstream(wrapper) << "#!/bin/sh\nif [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then exec \"$@\" --data-dir " << Out("nowhere")
                         << "; else exec \"$@\" " << Steps50() << "; fi\n";
  fs::permissions(wrapper, fs::perms::owner_all);
  const std::string mpirun = Mpirun(2);
  const std::string qforge = QFORGE_BIN;
  const auto start = Clock::now();
  const Result r = RunShell(mpirun.substr(0, mpirun.size() - qforge.size()) + wrapper.string() + " " + qforge +
                                " train --model lenet5 --epochs 1 --threads 1 --out " + Out("alone/model.ckpt"),
                            dir_);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_LT(seconds, 30.0) << "the other rank waited for the failed one";
  EXPECT_NE(r.err.find("rank 1 of 2: dataset folder " + Out("nowhere") + " does not exist"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(Out("alone/model.ckpt")));
}

// A job started in the background, its output in files.
struct BackgroundJob {
  pid_t pid = -1;
  std::string out, err;
};

BackgroundJob StartInBackground(const std::string& command, const fs::path& dir) {
  BackgroundJob job{-1, (dir / "job_stdout.txt").string(), (dir / "job_stderr.txt").string()};
  const std::string shell = "exec " + command + " >" + job.out + " 2>" + job.err + " </dev/null";
  job.pid = fork();
  if (job.pid == 0) {
    execl("/bin/sh", "sh", "-c", shell.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return job;
}

// The job's exit code, or -1 if it is still running after `seconds`.
int WaitFor(const BackgroundJob& job, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(job.pid, &status, WNOHANG) == job.pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

bool WaitForFile(const std::string& path, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    if (fs::exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The process of MPI rank `rank` whose command line names `marker` (-1 if none).
pid_t FindRank(int rank, const std::string& marker) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = Slurp(entry.path() / "cmdline"), environ = Slurp(entry.path() / "environ");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    std::replace(environ.begin(), environ.end(), '\0', '\n');
    if (cmdline.find(marker) != std::string::npos && cmdline.find("mpirun") == std::string::npos &&
        ("\n" + environ).find("\nOMPI_COMM_WORLD_RANK=" + std::to_string(rank) + "\n") != std::string::npos)
      return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

class DistributedFaults : public Distributed {
 protected:
  void SetUp() override {
    Distributed::SetUp();
    fs::create_directories(dir_ / "long");
    WriteSplit(dir_ / "long", "train", 12800);
    WriteSplit(dir_ / "long", "t10k", 200);
  }
  // Starts 2 ranks on many epochs, waits for the first checkpoint, then does `fault` to rank 1
  // in the next epoch; returns the job's exit code (-1: still running after 60 s) and output.
  Result InjectFault(int signal, const std::string& extra_flags) {
    const std::string checkpoint = Out("faults/model.ckpt");
    BackgroundJob job = StartInBackground(Mpirun(2) + " train --model lenet5 --data-dir " + (dir_ / "long").string() +
                                              " --batch 32 --epochs 50 --threads 1 --out " + checkpoint + " " + extra_flags,
                                          dir_);
    EXPECT_TRUE(WaitForFile(checkpoint, 300)) << "no checkpoint after the first epoch";
    const pid_t victim = FindRank(1, checkpoint);
    EXPECT_GT(victim, 0) << "rank 1 not found";
    if (victim > 0) kill(victim, signal);
    const auto start = Clock::now();
    Result r;
    r.exit_code = WaitFor(job, 60);
    std::printf("signal %d to rank 1: the job ended after %.1f s with exit code %d\n", signal,
                std::chrono::duration<double>(Clock::now() - start).count(), r.exit_code);
    if (r.exit_code == -1) kill(job.pid, SIGKILL), WaitFor(job, 10);
    if (victim > 0) kill(victim, SIGKILL);  // a stopped rank, if the launcher left it
    r.out = Slurp(job.out);
    r.err = Slurp(job.err);
    if (std::getenv("QFORGE_TEST_VERBOSE")) std::printf("%s", r.err.c_str());
    return r;
  }
  // The checkpoint left behind loads and resumes, here in one process (a different N).
  void ExpectResumable() {
    auto ck = qforge::LoadCheckpoint(Out("faults/model.ckpt"));
    ASSERT_TRUE(ck.ok()) << ck.status().ToString();
    const int done = ck->meta.train_state.value("epochs_done", 0);
    EXPECT_GE(done, 1);
    EXPECT_EQ(ck->meta.train_state.value("world_size", 0), 2);
    const Result resumed = RunQforge("train --resume " + Out("faults/model.ckpt") + " --data-dir " +
                                         (dir_ / "long").string() + " --epochs " + std::to_string(done + 1) + " --json",
                                     dir_);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    const nlohmann::json j = OnlyJson(resumed);
    EXPECT_EQ(j.value("world_size", 0), 1);
    EXPECT_EQ(j.value("epochs", 0), done + 1);
  }
};

TEST_F(DistributedFaults, RankKilledMidEpochEndsTheJobAndTheCheckpointResumes) {
  const Result r = InjectFault(SIGKILL, "");
  EXPECT_NE(r.exit_code, -1) << "the job did not end within 60 s of a rank's death";
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("rank 1"), std::string::npos) << r.err;  // the launcher names the dead rank
  ExpectResumable();
}

TEST_F(DistributedFaults, RankThatStopsAnsweringTimesOutWithAClearError) {
  const Result r = InjectFault(SIGSTOP, "--comm-timeout 5");
  EXPECT_NE(r.exit_code, -1) << "the job did not end within 60 s of a rank hanging";
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no answer from the other ranks within 5 s"), std::string::npos) << r.err;
  ExpectResumable();
}

}  // namespace
}  // namespace qforge_cli_test
