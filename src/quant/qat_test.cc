// QAT transform tests: the structure it builds on lenet5 (fake quantization per weight and per
// fused unit, folding nodes), JSON round trip, that folding is exact (fake quantization off,
// evaluation mode: the QAT graph computes what the float graph computes, per channel and per
// tensor), that training steps run and learn, and that unsupported nodes are named or kept in
// float on request.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "convert/emit.h"
#include "graph/builder.h"
#include "graph/test_graphs.h"
#include "quant/fake_quant_op.h"
#include "quant/qat.h"
#include "quant/qat_export.h"
#include "runtime/interpreter.h"
#include "train/executor.h"
#include "train/train_step.h"
#include "zoo/zoo.h"

namespace qforge::quant {
namespace {

Graph Lenet5WithStatistics(uint64_t seed) {
  auto g = FindZooModel("lenet5")->build(seed);
  EXPECT_TRUE(g.ok());
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> u(0.5f, 1.5f), v(-0.3f, 0.3f);
  for (Param& p : g->params()) {
    const bool scale = p.name.find("running_var") != std::string::npos || p.name.find("gamma") != std::string::npos;
    const bool shift = p.name.find("running_mean") != std::string::npos || p.name.find("beta") != std::string::npos;
    for (int64_t i = 0; scale || shift ? i < p.tensor.size() : false; ++i) p.tensor[i] = scale ? u(rng) : v(rng);
  }
  return std::move(*g);
}

int CountType(const Graph& g, std::string_view type) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.op->type() == type;
  return n;
}

QatOptions Options(const std::string& scheme = "int8") {
  QatOptions o;
  o.scheme = *MakeScheme(scheme);
  return o;
}

TEST(Qat, Lenet5Structure) {
  const Graph g = Lenet5WithStatistics(1);
  auto q = QuantizeModel(g, Options());
  ASSERT_TRUE(q.ok()) << q.status().message();
  // Input + 4 weights + 4 unit outputs (conv1+BN+ReLU, conv2+BN+ReLU, dense1+ReLU, dense2).
  EXPECT_EQ(CountType(q->graph, "FakeQuant"), 9);
  EXPECT_EQ(CountType(q->graph, "BnFoldScale"), 2);
  EXPECT_EQ(CountType(q->graph, "ScaleChannels"), 2);  // folded weights (the convolutions have no bias)
  EXPECT_TRUE(q->kept_float.empty());
  // No fake quantization between a convolution and its batch norm and ReLU; the batch norm
  // undoes the folding through its input scale.
  for (const Node& n : q->graph.nodes()) {
    if (n.op->type() == "BatchNorm") {
      ASSERT_EQ(n.inputs.size(), 6u);
      EXPECT_EQ(q->graph.nodes()[q->graph.values()[n.inputs[0]].index].op->type(), "Conv2D");
      EXPECT_NE(q->graph.values()[n.inputs[5]].name.find("/fold_scale"), std::string::npos);
    }
  }
  // Round trip through JSON, as checkpoints store it.
  auto back = Graph::FromJson(q->graph.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->nodes().size(), q->graph.nodes().size());
  EXPECT_EQ(back->ToJson(), q->graph.ToJson());
}

void SetFakeQuant(Graph& g, bool enabled) {
  for (Node& n : g.nodes())
    if (n.op->type() == "FakeQuant") static_cast<FakeQuantOp&>(*n.op).set_enabled(enabled);
}

Tensor EvalOutput(Graph& g, const Tensor& x) {
  Executor ex(&g, Backend::kReference);
  EXPECT_TRUE(ex.Forward({&x}, false).ok());
  return ex.value(g.outputs()[0]);
}

TEST(Qat, FoldingIsExactWithFakeQuantizationOff) {
  for (const char* scheme : {"int8", "int8-per-tensor"}) {
    Graph g = Lenet5WithStatistics(2);
    auto q = QuantizeModel(g, Options(scheme));
    ASSERT_TRUE(q.ok());
    SetFakeQuant(q->graph, false);
    Tensor x({3, 1, 28, 28});
    std::mt19937 rng(3);
    std::normal_distribution<float> normal;
    for (int64_t i = 0; i < x.size(); ++i) x[i] = normal(rng);
    const Tensor want = EvalOutput(g, x), got = EvalOutput(q->graph, x);
    for (int64_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4f * (1 + std::fabs(want[i]))) << scheme;
    // With fake quantization on, outputs move but stay close (8 bits).
    SetFakeQuant(q->graph, true);
    const Tensor fq = EvalOutput(q->graph, x);
    double err = 0, mag = 0;
    for (int64_t i = 0; i < want.size(); ++i) err += std::fabs(fq[i] - want[i]), mag += std::fabs(want[i]);
    EXPECT_GT(err, 0.0) << scheme;
    EXPECT_LT(err, 0.1 * mag) << scheme;
  }
}

TEST(Qat, TrainingStepsLearnAndTrackRanges) {
  Graph g = Lenet5WithStatistics(4);
  auto q = QuantizeModel(g, Options());
  ASSERT_TRUE(q.ok());
  TrainStep step(&q->graph, {.type = "adam"}, Backend::kFast);
  // Two classes: bright top half vs bright bottom half.
  Tensor x({16, 1, 28, 28});
  std::vector<int32_t> labels(16);
  for (int b = 0; b < 16; ++b) {
    labels[b] = b % 2;
    for (int i = 0; i < 784; ++i) x[b * 784 + i] = ((i < 392) == (b % 2 == 0)) ? 1.5f : -0.5f;
  }
  Rng rng(5);
  double first = 0, last = 0;
  for (int s = 0; s < 30; ++s) {
    auto r = step.Run(x, labels, 1e-3f, &rng);
    ASSERT_TRUE(r.ok()) << r.status().message();
    (s == 0 ? first : last) = r->loss;
  }
  EXPECT_LT(last, 0.5 * first);
  // The input's moving-average range was initialized from the first batch: [-0.5, 1.5].
  const int min_id = q->graph.FindValue("image/act_quant/min"), max_id = q->graph.FindValue("image/act_quant/max");
  ASSERT_GE(min_id, 0);
  EXPECT_FLOAT_EQ(q->graph.params()[q->graph.values()[min_id].index].tensor[0], -0.5f);
  EXPECT_FLOAT_EQ(q->graph.params()[q->graph.values()[max_id].index].tensor[0], 1.5f);
}

// Random images in [-0.5, 2) (labels i % 10) on which `steps` Adam steps train the graph;
// returns the images.
Tensor TrainOnRandomImages(Graph& graph, int64_t count, int steps, uint32_t seed) {
  Tensor x({count, 1, 28, 28});
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.5f, 2.0f);
  for (int64_t i = 0; i < x.size(); ++i) x[i] = u(rng);
  std::vector<int32_t> labels(count);
  for (int64_t i = 0; i < count; ++i) labels[i] = static_cast<int32_t>(i % 10);
  TrainStep step(&graph, {.type = "adam"}, Backend::kFast);
  Rng step_rng(seed + 1);
  for (int s = 0; s < steps; ++s) EXPECT_TRUE(step.Run(x, labels, 1e-3f, &step_rng).ok());
  return x;
}

// Converts a QAT graph and runs the .qfm on x (one channel: NCHW is NHWC); null on failure.
std::unique_ptr<runtime::Interpreter> RunConverted(const Graph& qat, const Tensor& x, const CheckpointMeta& meta = {}) {
  auto bytes = ConvertQatModel(qat, meta, {});
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  if (!bytes.ok()) return nullptr;
  auto model = runtime::Model::FromBytes(bytes->data(), bytes->size(), "qat.qfm");
  EXPECT_TRUE(model.ok()) << model.status().message();
  if (!model.ok()) return nullptr;
  auto it = runtime::Interpreter::Create(*model, {static_cast<int>(x.shape()[0])});
  EXPECT_TRUE(it.ok()) << it.status().message();
  if (!it.ok()) return nullptr;
  EXPECT_TRUE((*it)->SetInput(0, x.data(), x.size() * 4).ok());
  EXPECT_TRUE((*it)->Invoke().ok());
  return std::move(*it);
}

// How many rows of two [n, classes] score arrays have the same argmax.
int SameArgMax(const float* a, const float* b, int n, int classes) {
  int same = 0;
  for (int i = 0; i < n; ++i)
    same += std::max_element(a + i * classes, a + (i + 1) * classes) - (a + i * classes) ==
            std::max_element(b + i * classes, b + (i + 1) * classes) - (b + i * classes);
  return same;
}

// The converted model runs what training simulated: the same grids, so the runtime's int8
// logits are within a few output steps of the simulation's and predict the same classes.
TEST(Qat, ExportedModelMatchesTheSimulation) {
  Graph g = Lenet5WithStatistics(6);
  auto q = QuantizeModel(g, Options());
  ASSERT_TRUE(q.ok());
  const Tensor x = TrainOnRandomImages(q->graph, 32, 10, 7);
  EXPECT_TRUE(IsQatGraph(q->graph));
  EXPECT_FALSE(IsQatGraph(g));

  CheckpointMeta meta;
  meta.model_name = "lenet5";
  const auto it = RunConverted(q->graph, x, meta);
  ASSERT_TRUE(it);
  const float* out = it->output(0).as<float>();
  const Tensor sim = EvalOutput(q->graph, x);
  // The output grid's step: the logits tensor (the final DEQUANTIZE's input) in the file.
  const qfm::Model& file = it->model().flat();
  const float step_size = file.tensors()
                              ->Get(file.operators()->Get(file.operators()->size() - 1)->inputs()->Get(0))
                              ->quantization()->scale()->Get(0);
  for (int i = 0; i < 320; ++i) EXPECT_NEAR(out[i], sim[i], 4 * step_size) << i;
  EXPECT_GE(SameArgMax(out, sim.data(), 32, 10), 30);
}

// Layers kept in float export as float regions of the int8 model: a kept convolution takes its
// batch norm and ReLU along (they fuse into it), its output is fake-quantized where a quantized
// layer reads it (the QUANTIZE in the file), and the runtime computes what training simulated.
TEST(Qat, KeptFloatLayersExportAsFloatRegions) {
  Graph g = Lenet5WithStatistics(8);
  std::vector<std::string> convs;
  for (const Node& n : g.nodes())
    if (n.op->type() == "Conv2D") convs.push_back(n.name);
  ASSERT_EQ(convs.size(), 2u);
  QatOptions o = Options();
  QuantizeConfig keep;
  keep.keep_float = true;
  o.Annotate(convs[1], keep);
  auto q = QuantizeModel(g, o);
  ASSERT_TRUE(q.ok()) << q.status().message();
  // The convolution and its batch norm (with the ReLU fused into it).
  ASSERT_EQ(q->kept_float.size(), 2u);
  EXPECT_EQ(q->graph.nodes()[q->graph.values()[q->graph.FindValue(q->kept_float[1])].index].op->type(), "BatchNorm");
  const Tensor x = TrainOnRandomImages(q->graph, 32, 10, 9);
  CheckpointMeta meta;
  meta.train_state["qat"]["kept_float"] = q->kept_float;
  const auto it = RunConverted(q->graph, x, meta);
  ASSERT_TRUE(it);
  const qfm::Model& file = it->model().flat();
  int float_convs = 0, quantizes = 0;
  std::string ops;
  for (const qfm::Operator* op : *file.operators()) {
    ops += std::string(qfm::EnumNameOpType(op->type())) + ":" + qfm::EnumNameDType(file.tensors()->Get(op->outputs()->Get(0))->dtype()) + " ";
    const qfm::DType out = file.tensors()->Get(op->outputs()->Get(0))->dtype();
    float_convs += op->type() == qfm::OpType::CONV_2D && out == qfm::DType::FLOAT32;
    quantizes += op->type() == qfm::OpType::QUANTIZE;
  }
  EXPECT_EQ(float_convs, 1);
  EXPECT_EQ(quantizes, 2) << ops;  // the input, and the float convolution's pooled output
  const float* out = it->output(0).as<float>();
  const Tensor sim = EvalOutput(q->graph, x);
  const float step_size = file.tensors()
                              ->Get(file.operators()->Get(file.operators()->size() - 1)->inputs()->Get(0))
                              ->quantization()->scale()->Get(0);
  for (int i = 0; i < 320; ++i) EXPECT_NEAR(out[i], sim[i], 4 * step_size) << i;
  // A ReLU kept in float whose dense layer was quantized: the file cannot run what training
  // simulated (a quantized layer), so conversion refuses.
  Graph mlp = *FindZooModel("mlp")->build(1);
  std::string relu;
  for (const Node& n : mlp.nodes())
    if (n.op->type() == "Relu" && relu.empty()) relu = n.name;
  QatOptions keep_relu = Options();
  keep_relu.Annotate(relu, keep);
  auto mlp_qat = QuantizeModel(mlp, keep_relu);
  ASSERT_TRUE(mlp_qat.ok()) << mlp_qat.status().message();
  TrainOnRandomImages(mlp_qat->graph, 8, 2, 3);  // ranges observed
  CheckpointMeta relu_meta;
  relu_meta.train_state["qat"]["kept_float"] = mlp_qat->kept_float;
  auto refused = ConvertQatModel(mlp_qat->graph, relu_meta, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("which quantization-aware training quantized"), std::string::npos)
      << refused.status().message();
  // Without the record of kept layers the converter has no grid for the float region.
  auto unknown = ConvertQatModel(q->graph, {}, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("has no trained quantization range"), std::string::npos)
      << unknown.status().message();
}

// An n-bit model exports n-bit grids in int8 containers: weights within +-(2^(b-1) - 1), hidden
// activations marked b-bit (the runtime clamps to them: interpreter_test); the logits 8-bit.
TEST(Qat, NbitModelsExportNbitGrids) {
  Graph g = Lenet5WithStatistics(10);
  QatOptions o;
  o.scheme = *MakeScheme("nbit", 3, 4, "lsq");
  auto q = QuantizeModel(g, o);
  ASSERT_TRUE(q.ok());
  const Tensor x = TrainOnRandomImages(q->graph, 8, 1, 11);
  const auto it = RunConverted(q->graph, x);
  ASSERT_TRUE(it);
  int weights = 0, hidden = 0;
  for (const runtime::RuntimeTensor& t : it->tensors()) {
    if (t.dtype != qfm::DType::INT8) continue;
    if (t.constant) {
      ++weights;
      EXPECT_EQ(t.bits, 3) << t.name;
      for (int64_t i = 0; i < t.elements; ++i) EXPECT_LE(std::abs(t.as<int8_t>()[i]), 3) << t.name;
    } else if (t.bits == 4) {
      ++hidden;
    }
  }
  EXPECT_EQ(weights, 4);
  EXPECT_GE(hidden, 3);
  // The logits (the input of the final DEQUANTIZE) stay 8-bit.
  const qfm::Model& file = it->model().flat();
  const runtime::RuntimeTensor& logits =
      it->tensors()[file.operators()->Get(file.operators()->size() - 1)->inputs()->Get(0)];
  EXPECT_EQ(logits.bits, 0);
}

// Frozen batch norms train on running statistics (the training forward equals evaluation) and
// frozen observers keep their ranges; both survive a JSON round trip.
TEST(Qat, FreezingBatchNormAndObservers) {
  Graph g = Lenet5WithStatistics(9);
  auto q = QuantizeModel(g, Options());
  ASSERT_TRUE(q.ok());
  Tensor x({4, 1, 28, 28}, 0.3f);
  for (int64_t i = 0; i < x.size(); i += 7) x[i] = 1.7f;
  {
    Executor warm(&q->graph, Backend::kReference);  // initializes the moving averages
    ASSERT_TRUE(warm.Forward({&x}, true).ok());
  }
  FreezeBatchNorm(q->graph);
  FreezeObservers(q->graph);
  const int max_id = q->graph.FindValue("bn1/act_quant/max");
  ASSERT_GE(max_id, 0);
  const float range_before = q->graph.params()[q->graph.values()[max_id].index].tensor[0];
  Tensor y = x;
  for (int64_t i = 0; i < y.size(); ++i) y[i] *= 3.0f;  // a batch with a wider range
  Executor train(&q->graph, Backend::kReference);
  ASSERT_TRUE(train.Forward({&y}, true).ok());
  const Tensor trained = train.value(q->graph.outputs()[0]);
  EXPECT_EQ(q->graph.params()[q->graph.values()[max_id].index].tensor[0], range_before);
  const Tensor evaluated = EvalOutput(q->graph, y);
  for (int64_t i = 0; i < trained.size(); ++i) EXPECT_EQ(trained[i], evaluated[i]);
  auto back = Graph::FromJson(q->graph.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToJson(), q->graph.ToJson());
  EXPECT_NE(q->graph.ToJson().dump().find("\"frozen\":true"), std::string::npos);
}

// Concatenation: its inputs are left to its one grid, and the converted model (where the
// inputs are written with that grid and copied) predicts what the simulation does.
TEST(Qat, ConcatInputsShareTheOutputGrid) {
  GraphBuilder b(5);
  const int x = b.Input("image", {1, 28, 28});
  const int a = b.BatchNormRelu(b.Conv2D(x, 4, 3, {.stride = 2, .bias = false}));
  const int c = b.Relu(b.Conv2D(x, 3, 3, {.stride = 2}));
  const int y = b.Dense(b.Flatten(b.MaxPool(b.Concat({a, c}), 2)), 10);
  auto g = b.Finish({y});
  ASSERT_TRUE(g.ok());
  auto q = QuantizeModel(*g, Options());
  ASSERT_TRUE(q.ok()) << q.status().message();
  for (const Node& n : q->graph.nodes()) {
    if (n.op->type() != "Concat") continue;
    for (int v : n.inputs) EXPECT_NE(q->graph.nodes()[q->graph.values()[v].index].op->type(), "FakeQuant");
  }
  const Tensor xs = TrainOnRandomImages(q->graph, 16, 5, 13);
  const auto it = RunConverted(q->graph, xs);
  ASSERT_TRUE(it);
  const Tensor sim = EvalOutput(q->graph, xs);
  EXPECT_GE(SameArgMax(it->output(0).as<float>(), sim.data(), 16, 10), 14);
}

// A classifier ending in Softmax: training reads the logits (the loss falls), the
// probabilities are fake-quantized on the runtime's fixed grid (1/256, -128), and the
// converted model's int8 probabilities carry that grid and match the simulation.
TEST(Qat, SoftmaxOutputGetsTheFixedGrid) {
  GraphBuilder b(8);
  const int x = b.Input("image", {1, 28, 28});
  const int y = b.Softmax(b.Dense(b.Relu(b.Dense(b.Flatten(x), 32)), 10));
  auto g = b.Finish({y});
  ASSERT_TRUE(g.ok());
  auto q = QuantizeModel(*g, Options());
  ASSERT_TRUE(q.ok()) << q.status().message();
  const Node& last = q->graph.nodes().back();
  ASSERT_EQ(last.op->type(), "FakeQuant");
  const Quantizer& fixed = static_cast<const FakeQuantOp&>(*last.op).quantizer();
  auto grid = fixed.CurrentGrid(nullptr, {});
  ASSERT_TRUE(grid.ok());
  EXPECT_EQ(grid->scale[0], 1.0f / 256.0f);
  EXPECT_EQ(grid->zero_point[0], -128);
  // Every scheme's softmax quantizer lands exactly on the runtime's grid.
  for (const char* scheme : {"int8", "int8-per-tensor", "nbit", "int16x8"}) {
    const QuantizerChoice choice = MakeScheme(scheme)->softmax;
    auto q = CreateQuantizer(choice.type, choice.attrs);
    ASSERT_TRUE(q.ok()) << scheme;
    auto g = (*q)->CurrentGrid(nullptr, {});
    ASSERT_TRUE(g.ok()) << scheme;
    const runtime::GridParams want = runtime::SoftmaxOutputGrid(std::string(scheme) == "int16x8");
    EXPECT_EQ(g->scale[0], want.scale) << scheme;
    EXPECT_EQ(g->zero_point[0], want.zero_point) << scheme;
  }

  Tensor images({16, 1, 28, 28});
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-0.5f, 2.0f);
  for (int64_t i = 0; i < images.size(); ++i) images[i] = u(rng);
  std::vector<int32_t> labels(16);
  for (int i = 0; i < 16; ++i) labels[i] = i % 10;
  TrainStep step(&q->graph, {.type = "adam"}, Backend::kFast);
  Rng step_rng(4);
  auto first = step.Run(images, labels, 1e-3f, &step_rng);
  ASSERT_TRUE(first.ok());
  StatusOr<StepResult> last_step = first;
  for (int s = 0; s < 30; ++s) last_step = step.Run(images, labels, 1e-3f, &step_rng);
  ASSERT_TRUE(last_step.ok());
  EXPECT_LT(last_step->loss, 0.5 * first->loss);

  const auto it = RunConverted(q->graph, images);
  ASSERT_TRUE(it);
  const qfm::Model& file = it->model().flat();
  const runtime::RuntimeTensor& probs =
      it->tensors()[file.operators()->Get(file.operators()->size() - 1)->inputs()->Get(0)];
  EXPECT_EQ(probs.dtype, qfm::DType::INT8);
  EXPECT_EQ(probs.scale[0], 1.0f / 256.0f);
  EXPECT_EQ(probs.zero_point[0], -128);
  const Tensor sim = EvalOutput(q->graph, images);
  const float* out = it->output(0).as<float>();
  for (int i = 0; i < 160; ++i) EXPECT_NEAR(out[i], sim[i], 2.0f / 256.0f) << i;
}

TEST(Qat, UnsupportedNodesAreNamedOrKeptInFloat) {
  GraphBuilder b(1);
  const int y = b.Dense(b.OpOfType(testing::TestOnlyCube(), {}, {b.Dense(b.Flatten(b.Input("x", {1, 4, 4})), 8)}), 3);
  auto g = b.Finish({y});
  ASSERT_TRUE(g.ok());
  QatOptions o = Options();
  auto failed = QuantizeModel(*g, o);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("(TestOnlyCube): has no quantized kernel"), std::string::npos);
  o.keep_unsupported_float = true;
  auto kept = QuantizeModel(*g, o);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->kept_float.size(), 1u);
  EXPECT_EQ(kept->graph.nodes()[kept->graph.values()[kept->graph.FindValue(kept->kept_float[0])].index].op->type(), testing::TestOnlyCube());
  // Per-layer control: the first dense layer kept in float gets no fake quantization.
  const std::string dense = g->nodes()[1].name;
  QuantizeConfig keep;
  keep.keep_float = true;
  o.Annotate(dense, keep);
  auto annotated = QuantizeModel(*g, o);
  ASSERT_TRUE(annotated.ok());
  EXPECT_EQ(annotated->graph.FindValue(dense + "/weight_quant"), -1);
  EXPECT_GE(annotated->graph.FindValue(g->nodes()[3].name + "/weight_quant"), 0);
  // A config for a node the model lacks (or for an input) is an error naming it, not ignored.
  for (const std::string& wrong : {std::string("dense99"), std::string("x")}) {
    QatOptions misnamed = Options();
    misnamed.Annotate(wrong, keep);
    auto refused = QuantizeModel(*g, misnamed);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.status().message().find("'" + wrong + "', which is not a node"), std::string::npos);
  }
  EXPECT_FALSE(MakeScheme("int4").ok());
  EXPECT_FALSE(MakeScheme("nbit", 1, 8).ok());
}

}  // namespace
}  // namespace qforge::quant
