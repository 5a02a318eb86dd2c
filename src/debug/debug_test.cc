// The quantization debugger: a post-training int8 model's layers are all compared and stay close
// to float, int16 activations add far less error than int8; a deliberately bad range injected
// into one layer of the file (too narrow: clipping; too wide: coarse steps) makes that layer rank
// first; sensitivity's end points are the float and the quantized model's accuracies.
#include <gtest/gtest.h>

#include <cmath>

#include "convert/evaluate.h"
#include "debug/debug_report.h"
#include "debug/layer_compare.h"
#include "debug/sensitivity.h"
#include "quant/ptq.h"
#include "quant/ptq_test_util.h"
#include "runtime/model/qfm_generated.h"
#include "zoo/zoo.h"

namespace qforge::debug {
namespace {

using quant::PtqOptions;
using quant::PtqSession;

// The int8 post-training session of `ck`, calibrated on all of d.
PtqSession Int8Session(const Checkpoint& ck, const ImageDataset& d) {
  PtqOptions o;
  o.calibration_samples = d.count;
  auto session = PtqSession::Create(ck, &d, o);
  EXPECT_TRUE(session.ok()) << session.status().message();
  return std::move(*session);
}

std::vector<float> Samples(const ImageDataset& d, const Preprocess& pre) {
  std::vector<int64_t> all(d.count);
  for (int64_t i = 0; i < d.count; ++i) all[i] = i;
  std::vector<float> x(static_cast<size_t>(d.count * d.example_size()));
  PreprocessNhwc(d, pre, all.data(), d.count, x.data());
  return x;
}

std::shared_ptr<const runtime::Model> Load(const std::vector<uint8_t>& bytes) {
  auto m = runtime::Model::FromBytes(bytes.data(), bytes.size(), "debug.qfm");
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? *m : nullptr;
}

// The file with tensor `name`'s scale multiplied by `factor` (a wrong calibrated range).
std::vector<uint8_t> ScaleTensor(const std::vector<uint8_t>& bytes, const std::string& name, float factor) {
  std::unique_ptr<qfm::ModelT> m = qfm::UnPackModel(bytes.data());
  bool found = false;
  for (auto& t : m->tensors)
    if (t->name == name) {
      t->quantization->scale[0] *= factor;
      found = true;
    }
  EXPECT_TRUE(found) << name;
  flatbuffers::FlatBufferBuilder fbb;
  qfm::FinishModelBuffer(fbb, qfm::Model::Pack(fbb, m.get()));
  return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

TEST(Debug, ComparesEveryLayerOfAnInt8Model) {
  const ImageDataset d = quant::RandomImages(48, 1);
  const Checkpoint ck = quant::ZooCheckpoint("lenet5", 3, d);
  const PtqSession session = Int8Session(ck, d);
  const std::vector<float> x = Samples(d, ck.meta.preprocess);
  auto int8 = session.Emit();
  ASSERT_TRUE(int8.ok());
  auto stats = CompareLayers(session.float_graph(), Load(*int8), x.data(), d.count, {.batch = 20});
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  ASSERT_EQ(stats->size(), 7u);  // conv1, maxpool1, conv2, maxpool2, flatten1, dense1, dense2
  EXPECT_EQ((*stats)[0].layer, "conv1");
  EXPECT_EQ((*stats)[0].op, "CONV_2D");
  for (const LayerStats& l : *stats) {
    EXPECT_GT(l.sqnr_db, 15.0) << l.layer;
    EXPECT_LT(l.sqnr_db, 60.0) << l.layer;
    EXPECT_GT(l.range_utilization, 0.5) << l.layer;
    EXPECT_LE(l.range_utilization, 1.0) << l.layer;
    EXPECT_EQ(l.clipped_fraction, 0.0) << l.layer;  // min/max ranges of these very samples
    EXPECT_EQ(l.activations.counts.size(), 64u) << l.layer;
    EXPECT_EQ(std::isnan(l.weight_spread), l.op.find("CONV") == std::string::npos && l.op != "FULLY_CONNECTED")
        << l.layer << " " << l.op << " " << l.weight_spread;
  }
  // The first layer's error less its input's rounding; max pooling and flattening add none.
  EXPECT_GT((*stats)[0].added_sqnr_db, (*stats)[0].sqnr_db);
  for (size_t i : {1, 3, 4}) EXPECT_TRUE(std::isinf((*stats)[i].added_sqnr_db)) << (*stats)[i].layer;
  // 16-bit activations (the same 8-bit weights): every layer closer to float.
  PtqOptions o16;
  o16.calibration_samples = d.count;
  o16.mode = convert::Mode::kInt16x8;
  auto bytes16 = quant::QuantizeCheckpoint(ck, &d, o16);
  ASSERT_TRUE(bytes16.ok());
  auto stats16 = CompareLayers(session.float_graph(), Load(*bytes16), x.data(), d.count);
  ASSERT_TRUE(stats16.ok());
  for (size_t i = 0; i < stats->size(); ++i) {
    EXPECT_EQ((*stats16)[i].dtype, "INT16");
    EXPECT_GT((*stats16)[i].sqnr_db, (*stats)[i].sqnr_db + 1.0) << (*stats)[i].layer;
  }
}

TEST(Debug, ABadRangeRanksItsLayerFirst) {
  const ImageDataset d = quant::RandomImages(48, 2);
  const Checkpoint ck = quant::ZooCheckpoint("lenet5", 3, d);
  const PtqSession session = Int8Session(ck, d);
  auto bytes = session.Emit();
  ASSERT_TRUE(bytes.ok());
  const std::vector<float> x = Samples(d, ck.meta.preprocess);
  // (Layers that pooling or flattening read share their grid with it: the file would be invalid.)
  for (const std::string layer : {"dense1", "dense2"}) {
    for (float factor : {0.05f, 40.0f}) {  // a range 20x too narrow, and one 40x too wide
      auto stats = CompareLayers(session.float_graph(), Load(ScaleTensor(*bytes, layer, factor)), x.data(), d.count);
      ASSERT_TRUE(stats.ok()) << stats.status().message();
      EXPECT_EQ((*stats)[RankLayers(*stats)[0]].layer, layer) << "scale x" << factor;
      for (const LayerStats& l : *stats)
        if (l.layer == layer && factor < 1.0f) EXPECT_GT(l.clipped_fraction, 0.2);
        else if (l.layer == layer) EXPECT_LT(l.range_utilization, 0.1);
    }
  }
}

TEST(Debug, SensitivityEndsAreTheFloatAndQuantizedModels) {
  const ImageDataset d = quant::RandomImages(64, 3);
  const Checkpoint ck = quant::ZooCheckpoint("lenet5", 3, d);
  PtqOptions o;
  o.calibration_samples = 64;
  o.weight_bits = 3;
  auto session = PtqSession::Create(ck, &d, o);
  ASSERT_TRUE(session.ok());
  auto s = MeasureSensitivity(*session, d, 1);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->layers.size(), 7u);
  EXPECT_EQ(s->samples, 64);
  auto accuracy = [&](const std::map<std::string, convert::Mode>* modes) {
    auto bytes = session->Emit(modes);
    EXPECT_TRUE(bytes.ok());
    auto r = bytes.ok() ? convert::QfmAccuracy(*bytes, d, 1) : StatusOr<double>(bytes.status());
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : -1.0;
  };
  std::map<std::string, convert::Mode> all_float, dense2_float{{"dense2", convert::Mode::kFloat}};
  for (const convert::DeployLayer& l : session->graph().layers) all_float[l.name] = convert::Mode::kFloat;
  EXPECT_DOUBLE_EQ(s->float_accuracy, accuracy(&all_float));
  EXPECT_DOUBLE_EQ(s->quantized_accuracy, accuracy(nullptr));
  // Each layer's entries are its variants' accuracies against those ends.
  ASSERT_EQ(s->layers[6].layer, "dense2");
  EXPECT_DOUBLE_EQ(s->layers[6].float_gain, accuracy(&dense2_float) - s->quantized_accuracy);
  std::map<std::string, convert::Mode> only_conv1 = all_float;
  only_conv1.erase("conv1");
  EXPECT_DOUBLE_EQ(s->layers[0].alone_drop, s->float_accuracy - accuracy(&only_conv1));
  EXPECT_FALSE(MeasureSensitivity(*session, quant::RandomImages(0, 1), 1).ok());
}

}  // namespace
}  // namespace qforge::debug
