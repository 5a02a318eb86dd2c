// Mixed-precision post-training quantization: a model whose layers all run in int16 is the
// int16x8 model and one whose layers all run in float is the float model (bit for bit);
// QUANTIZE/DEQUANTIZE join the regions of a mixed model, which stays close to float; node names
// (fused ones too) choose layers, and bad choices are errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "convert/lower.h"
#include "quant/ptq.h"
#include "quant/ptq_test_util.h"
#include "zoo/zoo.h"

namespace qforge::quant {
namespace {

using convert::Mode;

std::vector<std::string> LayerNames(const Checkpoint& ck) {
  auto d = convert::Lower(ck.graph);
  EXPECT_TRUE(d.ok());
  std::vector<std::string> names;
  for (const convert::DeployLayer& l : d->layers) names.push_back(l.name);
  return names;
}

PtqOptions AllLayersIn(const Checkpoint& ck, Mode base, Mode layers) {
  PtqOptions o;
  o.mode = base;
  o.calibration_samples = 32;
  for (const std::string& name : LayerNames(ck)) o.node_modes[name] = layers;
  return o;
}

TEST(MixedPrecision, AllLayersInOneModeAreThatModesModel) {
  const ImageDataset d = RandomImages(32, 5);
  for (const char* model : {"lenet5", "resnet"}) {
    const Checkpoint ck = ZooCheckpoint(model, 4, d);
    PtqOptions int16;
    int16.mode = Mode::kInt16x8;
    int16.calibration_samples = 32;
    EXPECT_EQ(QuantizeAndRun(ck, d, AllLayersIn(ck, Mode::kInt8, Mode::kInt16x8)), QuantizeAndRun(ck, d, int16)) << model;
    PtqOptions int8;
    int8.calibration_samples = 32;
    EXPECT_EQ(QuantizeAndRun(ck, d, AllLayersIn(ck, Mode::kInt16x8, Mode::kInt8)), QuantizeAndRun(ck, d, int8)) << model;
    PtqOptions fp;
    fp.mode = Mode::kFloat;
    EXPECT_EQ(QuantizeAndRun(ck, d, AllLayersIn(ck, Mode::kInt8, Mode::kFloat)), QuantizeAndRun(ck, d, fp)) << model;
  }
}

// The precision a tensor's type stands for.
Mode TypeMode(qfm::DType t) {
  return t == qfm::DType::FLOAT32 ? Mode::kFloat : t == qfm::DType::INT16 ? Mode::kInt16x8 : Mode::kInt8;
}

TEST(MixedPrecision, RegionsJoinThroughQuantizeAndDequantize) {
  const ImageDataset d = RandomImages(32, 6);
  const Checkpoint ck = ZooCheckpoint("resnet", 7, d);
  const std::vector<std::string> layers = LayerNames(ck);
  ASSERT_GT(layers.size(), 8u);
  // A node fused into a layer (the batch norm after the first convolution) names that layer.
  std::string fused;
  for (const Node& n : ck.graph.nodes())
    if (n.op->type() == "BatchNorm" && fused.empty()) fused = n.name;
  ASSERT_FALSE(fused.empty());
  for (auto method : {CalibrationMethod::kMinMax, CalibrationMethod::kKl}) {
    PtqOptions o;
    o.calibration_samples = 32;
    o.calibration.method = method;
    o.bias_correction = true;
    o.node_modes = {{fused, Mode::kFloat}, {layers[3], Mode::kInt16x8}, {layers[4], Mode::kInt16x8},
                    {layers[layers.size() - 2], Mode::kFloat}};
    auto bytes = QuantizeCheckpoint(ck, &d, o);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    auto model = runtime::Model::FromBytes(bytes->data(), bytes->size(), "mixed.qfm");
    ASSERT_TRUE(model.ok());
    const nlohmann::json meta = nlohmann::json::parse((*model)->flat().metadata()->str());
    EXPECT_EQ(meta["layer_modes"][layers[0]], "float");  // the first layer: the convolution batch norm joined
    EXPECT_EQ(meta["layer_modes"][layers[3]], "int16x8");
    // Every operator reads and writes one precision, except the conversions, which change it.
    const qfm::Model& file = (*model)->flat();
    int conversions = 0, types_seen = 0;
    bool seen[3] = {false, false, false};
    for (const qfm::Operator* op : *file.operators()) {
      const Mode out = TypeMode(file.tensors()->Get(op->outputs()->Get(0))->dtype());
      const Mode in = TypeMode(file.tensors()->Get(op->inputs()->Get(0))->dtype());
      seen[static_cast<int>(out == Mode::kFloat ? 0 : out == Mode::kInt8 ? 1 : 2)] = true;
      if (op->type() == qfm::OpType::QUANTIZE || op->type() == qfm::OpType::DEQUANTIZE) {
        ++conversions;
        EXPECT_NE(in, out);
      } else {
        EXPECT_EQ(in, out) << qfm::EnumNameOpType(op->type());
      }
    }
    for (bool s : seen) types_seen += s;
    EXPECT_EQ(types_seen, 3);
    EXPECT_GE(conversions, 6);  // input, float -> int8, int8 -> int16, int16 -> int8, int8 -> float, float output
    // As close to the float model as the all-int8 one is (KL clips these random activations).
    PtqOptions fp, int8 = o;
    fp.mode = Mode::kFloat;
    int8.node_modes.clear();
    const std::vector<float> reference = QuantizeAndRun(ck, d, fp), got = RunQfm(*bytes, d, ck.meta.preprocess);
    const std::vector<float> all_int8 = QuantizeAndRun(ck, d, int8);
    ASSERT_EQ(got.size(), reference.size());
    float spread = 0.0f, err = 0.0f, int8_err = 0.0f;
    for (size_t i = 0; i < got.size(); ++i) {
      spread = std::max(spread, std::fabs(reference[i]));
      err = std::max(err, std::fabs(got[i] - reference[i]));
      int8_err = std::max(int8_err, std::fabs(all_int8[i] - reference[i]));
    }
    EXPECT_LT(err, 0.05f * spread + int8_err) << CalibrationMethodName(method);
    if (method == CalibrationMethod::kMinMax) EXPECT_LT(err, 0.05f * spread);
  }
}

TEST(MixedPrecision, BadChoicesAreErrorsNamingTheNode) {
  const ImageDataset d = RandomImages(8, 7);
  const Checkpoint ck = ZooCheckpoint("lenet5", 1, d);
  std::string bn;
  for (const Node& n : ck.graph.nodes())
    if (n.op->type() == "BatchNorm" && bn.empty()) bn = n.name;
  const std::string conv = LayerNames(ck)[0];
  const std::string input = ck.graph.values()[ck.graph.inputs()[0]].name;
  const std::pair<std::map<std::string, Mode>, std::string> cases[] = {
      {{{"nonexistent", Mode::kFloat}}, "'nonexistent' is not a node of the model (its layers: " + conv},
      {{{input, Mode::kFloat}}, "'" + input + "' is not a node"},
      {{{conv, Mode::kFloat}, {bn, Mode::kInt16x8}}, "is fused into layer '" + conv + "', which is already"},
      {{{conv, Mode::kDynamic}}, "a layer runs in float, int8 or int16x8, not dynamic"},
  };
  for (const auto& [modes, message] : cases) {
    PtqOptions o;
    o.calibration_samples = 8;
    o.node_modes = modes;
    auto bytes = QuantizeCheckpoint(ck, &d, o);
    ASSERT_FALSE(bytes.ok()) << message;
    EXPECT_NE(bytes.status().message().find(message), std::string::npos) << bytes.status().message();
  }
  PtqOptions f16;
  f16.mode = Mode::kFloat16;
  f16.node_modes = {{conv, Mode::kFloat}};
  EXPECT_FALSE(QuantizeCheckpoint(ck, nullptr, f16).ok());
}

}  // namespace
}  // namespace qforge::quant
