// Training tests: loss gradient, optimizer rules, schedules, executor autograd on a branching
// graph, checkpoint round trip and corruption, exact resume, and learning a small problem.
#include <gtest/gtest.h>

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

TEST(Loss, SoftmaxCrossEntropyValueAndGradient) {
  Tensor logits({2, 3});
  const float v[] = {1, 2, 3, 0, 0, 0};
  for (int i = 0; i < 6; ++i) logits[i] = v[i];
  std::vector<int32_t> labels{2, 0};
  Tensor grad;
  const double loss = SoftmaxCrossEntropy(logits, labels, &grad);
  const double l0 = -std::log(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)));
  const double l1 = std::log(3.0);
  EXPECT_NEAR(loss, (l0 + l1) / 2, 1e-6);
  for (int i = 0; i < 6; ++i) {
    Tensor up = logits, down = logits;
    up[i] += 1e-3f;
    down[i] -= 1e-3f;
    const double numeric = (SoftmaxCrossEntropy(up, labels, nullptr) -
                            SoftmaxCrossEntropy(down, labels, nullptr)) / 2e-3;
    EXPECT_NEAR(grad[i], numeric, 1e-4);
  }
  EXPECT_EQ(ArgMax(logits)[0], 2);
}

Graph OneWeightGraph(float w0) {
  Graph g;
  int x = *g.AddInput("x", {1});
  Tensor w({1, 1}, w0);
  int wv = *g.AddParam("w", w, true);
  int y = *g.AddNode("dense", std::move(CreateOp("Dense", nlohmann::json::object())).value(), {x, wv});
  EXPECT_TRUE(g.SetOutputs({y}).ok());
  return g;
}

TEST(Optimizer, SgdMomentumNesterovAndAdamMatchHandComputation) {
  Tensor grad({1, 1}, 0.5f);
  {
    Graph g = OneWeightGraph(1.0f);
    Optimizer sgd({.type = "sgd", .momentum = 0.9f});
    sgd.Step(g, {&grad}, 0.1f);  // v = 0.5, w = 1 - 0.05
    sgd.Step(g, {&grad}, 0.1f);  // v = 0.95, w = 0.95 - 0.095
    EXPECT_NEAR(g.params()[0].tensor[0], 0.855f, 1e-6);
  }
  {
    Graph g = OneWeightGraph(1.0f);
    Optimizer nag({.type = "sgd", .momentum = 0.9f, .nesterov = true, .weight_decay = 0.1f});
    nag.Step(g, {&grad}, 0.1f);  // g' = 0.6, v = 0.6, step = 0.6 + 0.54 = 1.14
    EXPECT_NEAR(g.params()[0].tensor[0], 1.0f - 0.114f, 1e-6);
  }
  {
    Graph g = OneWeightGraph(1.0f);
    Optimizer adam({.type = "adam"});
    adam.Step(g, {&grad}, 0.01f);  // first Adam step moves by lr * sign(g)
    EXPECT_NEAR(g.params()[0].tensor[0], 0.99f, 1e-5);
    Graph g2 = OneWeightGraph(1.0f);
    Optimizer adamw({.type = "adamw", .weight_decay = 0.5f});
    adamw.Step(g2, {&grad}, 0.01f);  // decoupled decay: w *= 1 - 0.005, then - 0.01
    EXPECT_NEAR(g2.params()[0].tensor[0], 0.995f - 0.01f, 1e-5);
  }
  EXPECT_FALSE(ValidateOptimizerConfig({.type = "rmsprop"}).ok());
}

TEST(LrSchedule, ShapesAndWarmup) {
  LrSchedule s{.type = "cosine", .base_lr = 1.0f, .total_steps = 110, .warmup_steps = 10};
  ASSERT_TRUE(s.Validate().ok());
  EXPECT_FLOAT_EQ(s.At(0), 0.1f);
  EXPECT_FLOAT_EQ(s.At(9), 1.0f);
  EXPECT_FLOAT_EQ(s.At(10), 1.0f);
  EXPECT_NEAR(s.At(60), 0.5f, 1e-6);
  EXPECT_NEAR(s.At(110), 0.0f, 1e-6);
  LrSchedule st{.type = "step", .base_lr = 1.0f, .total_steps = 100, .step_size = 30, .gamma = 0.5f};
  EXPECT_FLOAT_EQ(st.At(29), 1.0f);
  EXPECT_FLOAT_EQ(st.At(30), 0.5f);
  EXPECT_FLOAT_EQ(st.At(65), 0.25f);
  EXPECT_FALSE(LrSchedule{.type = "exp"}.Validate().ok());
  EXPECT_FALSE(LrSchedule{.base_lr = -1}.Validate().ok());
}

// Autograd through a branching graph (shared input, Add, Concat) against finite differences
// of the whole graph, on both backends.
TEST(Executor, BranchingGraphGradientsMatchFiniteDifferences) {
  for (Backend backend : {Backend::kReference, Backend::kFast}) {
    GraphBuilder b(5);
    int x = b.Input("x", {2, 6, 6});
    // Sigmoid rather than ReLU: finite differences must not straddle kinks.
    int a = b.Sigmoid(b.BatchNorm(b.Conv2D(x, 3, 3, {.padding = Padding::kSame})));
    int c = b.Conv2D(x, 3, 1);
    int s = b.Add(a, c);
    int cat = b.Concat({s, a});
    int y = b.Dense(b.Flatten(b.AvgPool(cat, 2)), 4);
    auto g = b.Finish({y});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    Rng rng(11);
    Tensor input = testing::RandomTensor({3, 2, 6, 6}, rng);
    std::vector<int32_t> labels{0, 3, 1};
    Executor exec(&*g, backend);
    auto loss = [&]() {
      EXPECT_TRUE(exec.Forward({&input}, true).ok());
      return SoftmaxCrossEntropy(exec.value(g->outputs()[0]), labels, nullptr);
    };
    ASSERT_TRUE(exec.Forward({&input}, true).ok());
    Tensor dlogits;
    SoftmaxCrossEntropy(exec.value(g->outputs()[0]), labels, &dlogits);
    exec.Backward({{g->outputs()[0], &dlogits}});
    std::vector<Tensor> grads;
    for (size_t p = 0; p < g->params().size(); ++p)
      grads.push_back(g->params()[p].trainable ? exec.param_grad(p) : Tensor());
    for (size_t p = 0; p < g->params().size(); ++p) {
      Param& param = g->params()[p];
      if (!param.trainable) continue;
      for (int64_t i = 0; i < std::min<int64_t>(param.tensor.size(), 6); ++i) {
        const float saved = param.tensor[i];
        param.tensor[i] = saved + 1e-2f;
        const double up = loss();
        param.tensor[i] = saved - 1e-2f;
        const double down = loss();
        param.tensor[i] = saved;
        EXPECT_NEAR(grads[p][i], (up - down) / 2e-2, 2e-3 + 2e-2 * std::abs(grads[p][i]))
            << param.name << "[" << i << "]";
      }
    }
  }
}

TEST(Executor, RejectsWrongInputShape) {
  auto g = FindZooModel("lenet5")->build(1);
  ASSERT_TRUE(g.ok());
  Executor exec(&*g);
  Tensor wrong({2, 1, 32, 32});
  Status s = exec.Forward({&wrong}, false);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("image"), std::string::npos) << s.message();
}

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
