// Training runs: learning a small problem with a checkpoint round trip, same seed same result,
// divergence as an error, exact resume, corrupt checkpoints failing cleanly.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <cmath>
#include <filesystem>

#include "graph/builder.h"
#include "ops/op_test_harness.h"
#include "data/file_bytes.h"
#include "train/checkpoint.h"
#include "train/executor.h"
#include "train/loss.h"
#include "train/trainer.h"
#include "zoo/zoo.h"

namespace qforge {
namespace {

// A small synthetic 28x28 dataset: class k has a bright 7x7 square in cell k of a 3x4 grid.
ImageDataset SquaresDataset(int64_t count, uint64_t seed) {
  ImageDataset d;
  d.count = count;
  d.height = d.width = 28;
  d.num_classes = 10;
  d.class_names.assign(10, "c");
  Rng rng(seed);
  d.pixels.resize(count * 28 * 28);
  for (int64_t i = 0; i < count; ++i) {
    const int label = static_cast<int>(rng.Below(10));
    d.labels.push_back(label);
    uint8_t* img = d.pixels.data() + i * 784;
    for (int p = 0; p < 784; ++p) img[p] = static_cast<uint8_t>(rng.Below(60));
    const int y0 = (label / 4) * 9, x0 = (label % 4) * 7;
    for (int y = y0; y < y0 + 7; ++y)
      for (int x = x0; x < x0 + 7; ++x) img[y * 28 + x] = 200;
  }
  return d;
}

TrainOptions SmallOptions(const std::string& path) {
  TrainOptions o;
  o.epochs = 2;
  o.batch = 32;
  o.optimizer.type = "adam";
  o.schedule.type = "cosine";
  o.schedule.base_lr = 2e-3f;
  o.seed = 3;
  o.checkpoint_path = path;
  return o;
}

Checkpoint FreshRun(const TrainTestData& data) {
  Checkpoint run;
  run.graph = std::move(FindZooModel("lenet5")->build(7)).value();
  run.meta.model_name = "lenet5";
  run.meta.preprocess = ComputeNormalization(data.train);
  run.meta.class_names = data.train.class_names;
  return run;
}

class TrainingRun : public ::testing::Test {
 protected:
  void SetUp() override {
    data_.train = SquaresDataset(640, 1);
    data_.test = SquaresDataset(200, 2);
    dir_ = std::filesystem::temp_directory_path() / ("qforge_train_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  TrainTestData data_;
  std::filesystem::path dir_;
};

TEST_F(TrainingRun, LearnsAndCheckpointRoundTrips) {
  Checkpoint run = FreshRun(data_);
  auto history = Train(run, data_, SmallOptions(Path("a.ckpt")), nullptr);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  EXPECT_GT(history->back().test_accuracy, 0.9);
  auto loaded = LoadCheckpoint(Path("a.ckpt"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->meta.model_name, "lenet5");
  EXPECT_EQ(loaded->meta.train_state["epochs_done"], 2);
  auto eval = Evaluate(loaded->graph, data_.test, loaded->meta.preprocess, 50, Backend::kFast);
  ASSERT_TRUE(eval.ok());
  EXPECT_DOUBLE_EQ(eval->accuracy, history->back().test_accuracy);
  EXPECT_FALSE(loaded->optimizer_state.empty());
}

// Without a test split, training runs and reports no test metrics (NaN) instead of failing.
TEST_F(TrainingRun, EmptyTestSplitSkipsEvaluation) {
  Checkpoint run = FreshRun(data_);
  TrainTestData no_test = data_;
  no_test.test = ImageDataset{};
  no_test.test.channels = data_.train.channels;
  no_test.test.height = data_.train.height;
  no_test.test.width = data_.train.width;
  TrainOptions o = SmallOptions("");
  o.epochs = 1;
  auto history = Train(run, no_test, o, nullptr);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  EXPECT_TRUE(std::isnan(history->back().test_accuracy));
  EXPECT_GT(history->back().train_accuracy, 0.5);
}

// Same seed and thread count: the same weights, bit for bit.
TEST_F(TrainingRun, SameSeedSameResult) {
  Checkpoint a = FreshRun(data_), b = FreshRun(data_);
  TrainOptions o = SmallOptions("");
  o.epochs = 1;
  ASSERT_TRUE(Train(a, data_, o, nullptr).ok());
  ASSERT_TRUE(Train(b, data_, o, nullptr).ok());
  for (size_t p = 0; p < a.graph.params().size(); ++p)
    for (int64_t i = 0; i < a.graph.params()[p].tensor.size(); ++i)
      ASSERT_EQ(a.graph.params()[p].tensor[i], b.graph.params()[p].tensor[i]);
}

TEST_F(TrainingRun, DivergenceIsAnErrorNotGarbage) {
  Checkpoint run = FreshRun(data_);
  GraphBuilder b(1);  // a linear model: huge weights overflow its logits
  run.graph = std::move(b.Finish({b.Dense(b.Flatten(b.Input("image", {1, 28, 28})), 10)})).value();
  TrainOptions o = SmallOptions("");
  o.optimizer.type = "sgd";
  o.optimizer.momentum = 0.0f;
  o.schedule.base_lr = 3e38f;  // the first update overflows the weights
  auto r = Train(run, data_, o, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("diverged"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("epoch 1"), std::string::npos) << r.status().message();
}

// Stops training after the first epoch, as an interrupted run would.
struct StopAfterFirstEpoch : ProgressReporter {
  bool OnEpoch(const EpochMetrics&, int) override { return false; }
};

// Two epochs in one go and one epoch + resume give bit-identical weights.
TEST_F(TrainingRun, ResumeIsExact) {
  Checkpoint straight = FreshRun(data_);
  ASSERT_TRUE(Train(straight, data_, SmallOptions(Path("straight.ckpt")), nullptr).ok());

  Checkpoint first = FreshRun(data_);
  StopAfterFirstEpoch stop;
  auto partial = Train(first, data_, SmallOptions(Path("half.ckpt")), &stop);
  ASSERT_TRUE(partial.ok());
  ASSERT_EQ(partial->size(), 1u);
  auto resumed = LoadCheckpoint(Path("half.ckpt"));
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  ASSERT_TRUE(Train(*resumed, data_, SmallOptions(Path("half.ckpt")), nullptr).ok());
  for (size_t p = 0; p < straight.graph.params().size(); ++p) {
    const Tensor& a = straight.graph.params()[p].tensor;
    const Tensor& b = resumed->graph.params()[p].tensor;
    ASSERT_EQ(a.size(), b.size());
    for (int64_t i = 0; i < a.size(); ++i)
      ASSERT_EQ(a[i], b[i]) << straight.graph.params()[p].name << "[" << i << "]";
  }
}

TEST_F(TrainingRun, CorruptCheckpointsFailCleanly) {
  Checkpoint run = FreshRun(data_);
  TrainOptions o = SmallOptions(Path("c.ckpt"));
  o.epochs = 1;
  ASSERT_TRUE(Train(run, data_, o, nullptr).ok());
  auto bytes = ReadFileBytes(Path("c.ckpt"));
  ASSERT_TRUE(bytes.ok());
  Rng rng(1);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<uint8_t> bad = *bytes;
    if (trial % 2) {
      bad.resize(rng.Below(bad.size()));
    } else {
      bad[rng.Below(bad.size())] ^= static_cast<uint8_t>(1 + rng.Below(255));
    }
    auto ck = ParseCheckpoint(bad, "corrupt");
    EXPECT_FALSE(ck.ok()) << "trial " << trial;
  }
  EXPECT_EQ(LoadCheckpoint(Path("missing.ckpt")).status().code(), StatusCode::kNotFound);
  // Valid checksums around tensor shapes that overflow or exceed the file: refused, named.
  const uint64_t header_len = [&] {
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= uint64_t{(*bytes)[8 + i]} << (8 * i);
    return n;
  }();
  nlohmann::json header = nlohmann::json::parse(bytes->begin() + 16, bytes->begin() + 16 + header_len);
  const auto with_tensor = [&](const nlohmann::json& shape) {  // the file plus an optimizer tensor "bogus"
    nlohmann::json changed = header;
    changed["tensors"].push_back({{"name", "bogus"}, {"kind", "optimizer"}, {"shape", shape}, {"offset", 0}});
    const std::string text = changed.dump();
    std::vector<uint8_t> crafted(bytes->begin(), bytes->begin() + 8);
    for (int i = 0; i < 8; ++i) crafted.push_back(static_cast<uint8_t>(text.size() >> (8 * i)));
    crafted.insert(crafted.end(), text.begin(), text.end());
    crafted.insert(crafted.end(), bytes->begin() + 16 + header_len, bytes->end() - 4);
    const uint32_t crc = static_cast<uint32_t>(crc32(0, crafted.data(), static_cast<uInt>(crafted.size())));
    for (int i = 0; i < 4; ++i) crafted.push_back(static_cast<uint8_t>(crc >> (8 * i)));
    return crafted;
  };
  for (const nlohmann::json& shape : {nlohmann::json::array({2147483648LL, 2147483648LL, 4}),
                                      nlohmann::json::array({1 << 30, 1 << 20})}) {
    auto ck = ParseCheckpoint(with_tensor(shape), "crafted");
    ASSERT_FALSE(ck.ok()) << shape.dump();
    EXPECT_NE(ck.status().message().find("'bogus'"), std::string::npos) << ck.status().message();
  }
  // A tensor with no elements has no storage to copy into (a null destination; found by
  // fuzz_checkpoint): it reads as an empty tensor.
  auto empty = ParseCheckpoint(with_tensor(nlohmann::json::array({0, 4})), "crafted");
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_EQ(empty->optimizer_state.at("bogus").size(), 0);
  // A well-formed file (valid checksum) whose training state has the wrong types.
  Checkpoint odd = FreshRun(data_);
  odd.meta.train_state["epochs_done"] = "three";
  ASSERT_TRUE(SaveCheckpoint(Path("odd.ckpt"), odd.graph, odd.meta, {}, 0).ok());
  auto odd_loaded = LoadCheckpoint(Path("odd.ckpt"));
  ASSERT_FALSE(odd_loaded.ok());
  EXPECT_NE(odd_loaded.status().message().find("training state"), std::string::npos);
}

}  // namespace
}  // namespace qforge
