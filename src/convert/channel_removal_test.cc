// Channel pruning end to end: the pruner's channel pattern zeroes whole filters with their
// bias, batch-norm scale and shift and depthwise filter; the converter then removes those
// channels from producers, pass-through layers and consumers, and the int8 model computes
// bit for bit what the unreduced one computes on every channel it kept, and the same output.
// Channels that reach an Add or the model output are left alone.
#include <gtest/gtest.h>

#include <random>

#include "convert/channel_removal.h"
#include "convert/emit.h"
#include "convert/lower.h"
#include "graph/builder.h"
#include "runtime/interpreter.h"
#include "sparsity/pruner.h"

namespace qforge::convert {
namespace {

// conv -> BN -> ReLU -> depthwise -> BN -> ReLU6 -> 1x1 conv -> BN -> ReLU -> max pool ->
// flatten -> dense -> ReLU -> dense (the output), with random weights and batch norms.
Graph TestGraph() {
  GraphBuilder b(3);
  int x = b.Input("x", {3, 10, 10});
  x = b.BatchNormRelu(b.Conv2D(x, 8, 3, {.padding = Padding::kSame, .bias = false}));
  x = b.Relu6(b.BatchNorm(b.DepthwiseConv2D(x, 3, {.padding = Padding::kSame, .bias = false})));
  x = b.BatchNormRelu(b.Conv2D(x, 12, 1, {.bias = false}));
  x = b.Dense(b.Relu(b.Dense(b.Flatten(b.MaxPool(x, 2)), 40)), 5);
  auto g = b.Finish({x});
  EXPECT_TRUE(g.ok());
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(0.5f, 1.5f), v(-0.3f, 0.3f);
  for (Param& p : g->params()) {
    const bool positive = p.name.find("gamma") != std::string::npos || p.name.find("running_var") != std::string::npos;
    for (int64_t i = 0; i < p.tensor.size(); ++i) p.tensor.data()[i] = positive ? u(rng) : v(rng);
  }
  return std::move(*g);
}

sparsity::PruneOptions ChannelOptions(double fraction) {
  sparsity::PruneOptions o;
  o.pattern.kind = sparsity::SparsityPattern::Kind::kChannel;
  o.schedule.kind = sparsity::PruningSchedule::Kind::kConstant;
  o.schedule.final_sparsity = fraction;
  o.min_elements = 1;
  return o;
}

// Prunes `fraction` of the channels of every layer that can take it.
sparsity::Pruner PruneChannels(Graph& g, double fraction) {
  auto pruner = sparsity::Pruner::Create(g, ChannelOptions(fraction), 0);
  EXPECT_TRUE(pruner.ok()) << pruner.status().message();
  pruner->BeforeStep(0, g);
  return std::move(*pruner);
}

std::vector<std::vector<int8_t>> RunEveryValue(const DeployGraph& d, const std::vector<float>& input) {
  EmitOptions o;
  o.mode = Mode::kInt8;
  o.ranges.assign(d.values.size(), {-2.0f, 3.0f});
  o.every_value_an_output = true;
  auto bytes = EmitQfm(d, o);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  auto model = runtime::Model::FromBytes(bytes->data(), bytes->size(), "test.qfm");
  EXPECT_TRUE(model.ok()) << model.status().message();
  auto it = runtime::Interpreter::Create(*model, {2});
  EXPECT_TRUE(it.ok()) << it.status().message();
  EXPECT_TRUE((*it)->SetInput(0, input.data(), static_cast<int64_t>(input.size() * 4)).ok());
  EXPECT_TRUE((*it)->Invoke().ok());
  std::vector<std::vector<int8_t>> values;
  for (size_t v = 0; v < d.values.size(); ++v) {
    const runtime::RuntimeTensor& t = (*it)->output(static_cast<int>(v));
    values.emplace_back(reinterpret_cast<const int8_t*>(t.data), reinterpret_cast<const int8_t*>(t.data) + t.elements);
  }
  return values;
}

TEST(ChannelPruning, PrunerZeroesWholeChannelsAndWhatCarriesThem) {
  Graph g = TestGraph();
  const sparsity::Pruner pruner = PruneChannels(g, 0.5);
  std::vector<std::string> pruned;
  for (const sparsity::PrunedLayer& l : pruner.layers()) {
    pruned.push_back(l.node);
    const Tensor& w = g.params()[l.param].tensor;
    const int64_t channels = w.shape()[0], per = w.size() / channels;
    int zero_channels = 0;
    for (int64_t c = 0; c < channels; ++c) {
      bool all_zero = true;
      for (int64_t k = 0; k < per; ++k) all_zero &= w[c * per + k] == 0.0f;
      zero_channels += all_zero;
      for (int carrier : l.carriers.along_axis0)  // zero with their filter, and only then
        EXPECT_EQ(g.params()[carrier].tensor[c * (g.params()[carrier].tensor.size() / channels)] == 0.0f, all_zero)
            << l.node << " channel " << c << " in " << g.params()[carrier].name;
      for (int reader : l.carriers.readers) {  // the next layer's weights reading it: every row
        const Tensor& r = g.params()[reader].tensor;
        const int64_t row = r.size() / r.shape()[0], inner = row / channels;
        bool read_zero = true;
        for (int64_t o = 0; o < r.shape()[0]; ++o)
          for (int64_t k = 0; k < inner; ++k) read_zero &= r[o * row + c * inner + k] == 0.0f;
        EXPECT_EQ(read_zero, all_zero) << l.node << " channel " << c << " read by " << g.params()[reader].name;
      }
    }
    EXPECT_EQ(zero_channels, channels / 2) << l.node;
  }
  EXPECT_EQ(pruned, (std::vector<std::string>{"conv1", "conv2", "dense1"}));
  ASSERT_EQ(pruner.skipped().size(), 2u);  // the depthwise (pruned with conv1) and the output layer
  EXPECT_NE(pruner.skipped()[0].find("follow its input"), std::string::npos) << pruner.skipped()[0];
  EXPECT_NE(pruner.skipped()[1].find("the model's output"), std::string::npos) << pruner.skipped()[1];
}

// A resumed run rebuilds the masks from the zeros: whole zero filters only, not the zeros a
// filter has where it read a pruned input channel.
TEST(ChannelPruning, ResumedRunsRebuildTheSameMasks) {
  Graph g = TestGraph();
  const sparsity::Pruner first = PruneChannels(g, 0.5);
  auto resumed = sparsity::Pruner::Create(g, ChannelOptions(0.5), 100);
  ASSERT_TRUE(resumed.ok());
  ASSERT_EQ(resumed->layers().size(), first.layers().size());
  for (size_t i = 0; i < first.layers().size(); ++i)
    EXPECT_EQ(resumed->layers()[i].mask, first.layers()[i].mask) << first.layers()[i].node;
}

TEST(ChannelPruning, RemovedChannelsLeaveEveryKeptChannelBitIdentical) {
  Graph g = TestGraph();
  PruneChannels(g, 0.5);
  auto full = Lower(g);
  ASSERT_TRUE(full.ok());
  DeployGraph reduced = *full;
  const ChannelRemoval removal = RemoveDeadChannels(&reduced);
  EXPECT_EQ(removal.removed, 4 + 4 + 6 + 20);  // conv, depthwise, pointwise conv, dense
  EXPECT_EQ(removal.kept.size(), 4u);
  size_t full_weights = 0, reduced_weights = 0;
  for (size_t i = 0; i < full->layers.size(); ++i) {
    full_weights += full->layers[i].weights.size();
    reduced_weights += reduced.layers[i].weights.size();
  }
  EXPECT_LT(reduced_weights * 3, full_weights);  // about a quarter: both sides of most layers halved

  std::mt19937 rng(8);
  std::normal_distribution<float> normal;
  std::vector<float> input(2 * 10 * 10 * 3);
  for (float& x : input) x = normal(rng);
  const auto a = RunEveryValue(*full, input), b = RunEveryValue(reduced, input);
  // The original channels each value kept: the producers' from the removal, carried through
  // pooling and flatten (NHWC: feature p * C + c).
  std::vector<std::vector<int>> kept(full->values.size());
  for (size_t v = 0; v < kept.size(); ++v)
    for (int c = 0; c < full->values[v].shape.back(); ++c) kept[v].push_back(c);
  for (const DeployLayer& l : full->layers) {
    if (const auto k = removal.kept.find(l.name); k != removal.kept.end()) {
      kept[l.output] = k->second;
    } else if (l.kind == LayerKind::kMaxPool) {
      kept[l.output] = kept[l.inputs[0]];
    } else if (l.kind == LayerKind::kFlatten) {
      const std::vector<int>& in = full->values[l.inputs[0]].shape;
      kept[l.output].clear();
      for (int p = 0; p < in[1] * in[2]; ++p)
        for (int c : kept[l.inputs[0]]) kept[l.output].push_back(p * in[3] + c);
    }
  }
  for (size_t v = 0; v < full->values.size(); ++v) {
    const int channels = full->values[v].shape.back(), kept_n = reduced.values[v].shape.back();
    ASSERT_EQ(static_cast<int>(kept[v].size()), kept_n) << full->values[v].name;
    const size_t positions = a[v].size() / channels;
    for (size_t p = 0; p < positions; ++p)
      for (int j = 0; j < kept_n; ++j)
        ASSERT_EQ(b[v][p * kept_n + j], a[v][p * channels + kept[v][j]]) << full->values[v].name << " channel " << kept[v][j];
  }
  EXPECT_EQ(a.back(), b.back());  // the model output
}

TEST(ChannelPruning, ChannelsReachingAnAddAreKept) {
  GraphBuilder b(3);
  int x = b.Input("x", {4, 6, 6});
  int y = b.Relu(b.Add(b.Conv2D(x, 4, 3, {.padding = Padding::kSame}), x));
  auto g = b.Finish({b.Dense(b.Flatten(y), 3)});
  ASSERT_TRUE(g.ok());
  sparsity::PruneOptions o;
  o.pattern.kind = sparsity::SparsityPattern::Kind::kChannel;
  o.min_elements = 1;
  auto pruner = sparsity::Pruner::Create(*g, o, 0);
  EXPECT_FALSE(pruner.ok());  // nothing can take the pattern
  // Zero a filter by hand: the converter still keeps the channel (the Add needs it).
  for (Param& p : g->params()) std::fill(p.tensor.data(), p.tensor.data() + p.tensor.size() / 4, 0.0f);
  auto d = Lower(*g);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(RemoveDeadChannels(&*d).removed, 0);
}

}  // namespace
}  // namespace qforge::convert
