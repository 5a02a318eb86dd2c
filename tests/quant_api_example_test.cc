// The quantization-aware training example of docs/qat.md, compiled and run through
// <qforge/quant.h> and <qforge/train.h> only: a custom quantizer (power-of-two weight scales,
// for hardware that requantizes with shifts) registered and used for every weight, one layer
// annotated with another activation quantizer, QAT, conversion to .qfm, runtime evaluation.
#include <gtest/gtest.h>

#include <cmath>
#include <qforge/quant.h>
#include <qforge/train.h>

#include "quadrants.h"

namespace {

// --- begin docs example ---
namespace q = qforge::quant;

// Per-channel symmetric weights whose scales are powers of two: 2^ceil(log2(max|w| / qmax)).
class PowerOfTwoQuantizer : public q::Quantizer {
 public:
  using Quantizer::Quantizer;
  std::string_view type() const override { return "pow2"; }
  std::vector<q::QuantizerParam> Params(const qforge::Shape&) const override { return {}; }  // no state

  void Forward(bool, const qforge::Tensor& w, const std::vector<qforge::Tensor*>& p, qforge::Tensor& y) override {
    grid_ = *CurrentGrid(&w, p);
    q::FakeQuantize(w, grid_, y);
  }
  void Backward(const qforge::Tensor& w, const std::vector<qforge::Tensor*>&, const qforge::Tensor& dy,
                qforge::Tensor* dw, const std::vector<qforge::Tensor*>&) override {
    if (dw) q::StraightThrough(w, grid_, dy, *dw);  // straight-through estimator
  }
  qforge::StatusOr<q::Grid> CurrentGrid(const qforge::Tensor* w, const std::vector<qforge::Tensor*>&) const override {
    std::vector<float> lo, hi;
    q::ChannelMinMax(spec(), *w, &lo, &hi);
    q::Grid g;
    g.qmin = spec().qmin();
    g.qmax = spec().qmax();
    for (size_t c = 0; c < lo.size(); ++c) {
      const float max_abs = std::max({-lo[c], hi[c], 1e-12f});
      g.scale.push_back(std::exp2(std::ceil(std::log2(max_abs / g.qmax))));
      g.zero_point.push_back(0);
    }
    return g;
  }

 private:
  q::Grid grid_;
};
// --- end docs example ---

TEST(QuantApiExample, CustomQuantizerTrainsConvertsAndRuns) {
  const qforge::TrainTestData data{qforge::testing::Quadrants(512, 3), qforge::testing::Quadrants(128, 4)};
  // --- begin docs example ---
  ASSERT_TRUE(q::RegisterQuantizer("pow2", [](const q::QuantSpec& spec, const nlohmann::json&)
                                               -> qforge::StatusOr<std::unique_ptr<q::Quantizer>> {
                return std::unique_ptr<q::Quantizer>(new PowerOfTwoQuantizer(spec));
              }).ok());

  qforge::GraphBuilder b(/*seed=*/7);
  int x = b.Input("image", {1, 28, 28});
  x = b.Relu(b.BatchNorm(b.Conv2D(x, 8, 3, {.stride = 2, .bias = false})));  // conv1 + bn1 + relu1
  x = b.Dense(b.Flatten(b.MaxPool(x, 2)), 4);                                 // dense1
  auto float_graph = b.Finish({x});
  ASSERT_TRUE(float_graph.ok());

  q::QatOptions options;
  options.scheme = q::MakeScheme("int8").value();
  options.scheme.weights.type = "pow2";  // every weight, with the scheme's spec (per channel, 8 bits)
  // conv1's unit (conv1 + bn1 + relu1) tracks its output range over all batches instead.
  q::QuantizeConfig conv1;
  conv1.activations = q::QuantizerChoice{"allminmax", {{"spec", {{"bits", 8}}}}};
  options.Annotate("conv1", conv1);
  auto qat = q::QuantizeModel(*float_graph, options);
  ASSERT_TRUE(qat.ok()) << qat.status().ToString();

  qforge::Checkpoint run;
  run.graph = std::move(qat->graph);
  run.meta.preprocess = qforge::ComputeNormalization(data.train);
  qforge::TrainOptions train;
  train.epochs = 3;
  train.batch = 32;
  train.optimizer.type = "adam";
  train.schedule.base_lr = 3e-3f;
  auto history = qforge::Train(run, data, train, /*progress=*/nullptr);
  ASSERT_TRUE(history.ok()) << history.status().ToString();

  auto bytes = q::ConvertQatModel(run.graph, run.meta, {});
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto model = qforge::runtime::Model::FromBytes(bytes->data(), bytes->size(), "pow2.qfm");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto int8 = qforge::convert::EvaluateQfm(*model, "pow2.qfm", data.test, /*batch=*/64, /*threads=*/1);
  ASSERT_TRUE(int8.ok()) << int8.status().ToString();
  // --- end docs example ---
  EXPECT_GT(history->back().test_accuracy, 0.95);
  EXPECT_GT(int8->accuracy, 0.95);
  // The annotation reached conv1's unit; the other unit kept the scheme's quantizer.
  auto quantizer_of = [&](const std::string& node) {
    const int v = run.graph.FindValue(node);
    return v < 0 ? std::string("(none)") : run.graph.nodes()[run.graph.values()[v].index].op->attrs()["quantizer"].get<std::string>();
  };
  EXPECT_EQ(quantizer_of("relu1/act_quant"), "allminmax");
  EXPECT_EQ(quantizer_of("dense1/act_quant"), "ema");
  EXPECT_EQ(quantizer_of("conv1/weight_quant"), "pow2");
  // Every weight scale in the file is a power of two.
  int weights = 0;
  for (const qforge::qfm::Tensor* t : *(*model)->flat().tensors()) {
    if (t->dtype() != qforge::qfm::DType::INT8 || !t->quantization() || t->buffer() == 0) continue;
    for (float s : *t->quantization()->scale()) EXPECT_EQ(std::exp2(std::round(std::log2(s))), s) << t->name()->str();
    ++weights;
  }
  EXPECT_EQ(weights, 2);
}

}  // namespace
