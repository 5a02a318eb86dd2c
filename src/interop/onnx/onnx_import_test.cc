// The ONNX importer against onnxruntime-node: torchvision models exported by PyTorch with seeded
// weights (tests/onnx/make_models.py) must give the logits onnxruntime gives on the same file and
// input; broken files must fail with an error naming what is wrong.
#include "interop/onnx/onnx_import.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "data/file_bytes.h"
#include "data/npy.h"
#include "train/executor.h"

namespace qforge::onnx_import {
namespace {

const std::string kDir = QFORGE_ONNX_TESTDATA;

std::string PathOf(const std::string& name) { return kDir + "/" + name; }

// The graph's first output on `input`, computed by the training executor in inference mode.
Tensor RunFloat(Graph& graph, const Tensor& input, Backend backend) {
  Executor ex(&graph, backend);
  const Status s = ex.Forward({&input}, false);
  EXPECT_TRUE(s.ok()) << s.message();
  return ex.value(graph.outputs()[0]);
}

// Imports NAME.onnx and compares its output on NAME.input.npy with onnxruntime's NAME.ort.OUT.npy:
// max |difference| <= 1e-4 * max |expected|.
void ExpectMatchesOnnxRuntime(const std::string& name, const std::string& output, Backend backend) {
  auto ck = ImportOnnx(PathOf(name + ".onnx"));
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  auto input = ReadNpy(PathOf(name + ".input.npy"));
  auto expected = ReadNpy(PathOf(name + ".ort." + output + ".npy"));
  ASSERT_TRUE(input.ok() && expected.ok());
  const Tensor got = RunFloat(ck->graph, *input, backend);
  ASSERT_EQ(got.shape(), expected->shape());
  float max_expected = 0, max_diff = 0;
  for (int64_t i = 0; i < got.size(); ++i) {
    max_expected = std::max(max_expected, std::abs((*expected)[i]));
    max_diff = std::max(max_diff, std::abs(got[i] - (*expected)[i]));
  }
  EXPECT_GT(max_expected, 0.0f);
  EXPECT_LE(max_diff, 1e-4f * max_expected) << name << ": max |difference| " << max_diff << ", max |logit| " << max_expected;
}

class TorchvisionImport : public ::testing::TestWithParam<const char*> {};

TEST_P(TorchvisionImport, FloatEqualsOnnxRuntime) { ExpectMatchesOnnxRuntime(GetParam(), "logits", Backend::kFast); }

INSTANTIATE_TEST_SUITE_P(Models, TorchvisionImport,
                         ::testing::Values("resnet18_32", "resnet18_224", "mobilenet_v2_32", "mobilenet_v2_224",
                                           "squeezenet1_1_32", "squeezenet1_1_224", "mnasnet0_5_32",
                                           "mnasnet0_5_224", "mobilenet_v3_small_32", "mobilenet_v3_small_224",
                                           "shufflenet_v2_x0_5_32", "shufflenet_v2_x0_5_224", "efficientnet_b0_32",
                                           "efficientnet_b0_224"));

TEST(OnnxImport, SmallModelsMatchWithTheReferenceKernels) {
  ExpectMatchesOnnxRuntime("resnet18_32", "logits", Backend::kReference);
  ExpectMatchesOnnxRuntime("squeezenet1_1_32", "logits", Backend::kReference);
}

TEST(OnnxImport, KeepsBatchNormAndNamesParametersAfterInitializers) {
  auto ck = ImportOnnx(PathOf("resnet18_32.onnx"));
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  int bn = 0, conv = 0;
  for (const Node& n : ck->graph.nodes()) {
    bn += n.op->type() == "BatchNorm";
    conv += n.op->type() == "Conv2D";
  }
  EXPECT_EQ(conv, 20);
  EXPECT_EQ(bn, 20);
  EXPECT_GE(ck->graph.FindValue("conv1.weight"), 0);
  EXPECT_EQ(ck->graph.values()[ck->graph.inputs()[0]].shape, (Shape{-1, 3, 32, 32}));
}

// How many nodes of each type an import makes.
std::map<std::string, int> OpCounts(const std::string& name) {
  auto ck = ImportOnnx(PathOf(name + ".onnx"));
  EXPECT_TRUE(ck.ok()) << ck.status().message();
  std::map<std::string, int> counts;
  if (ck.ok())
    for (const Node& n : ck->graph.nodes()) ++counts[std::string(n.op->type())];
  return counts;
}

TEST(OnnxImport, MapsEachArchitectureToQforgeOps) {
  // MobileNetV3: HardSwish activations, squeeze-excite gates HardSigmoid * x.
  auto mnv3 = OpCounts("mobilenet_v3_small_32");
  EXPECT_EQ(mnv3["HardSwish"], 19);
  EXPECT_EQ(mnv3["HardSigmoid"], 9);
  EXPECT_EQ(mnv3["Mul"], 9);
  // EfficientNet: x * sigmoid(x) fused to SiLU; the gates stay Sigmoid * x.
  auto eff = OpCounts("efficientnet_b0_32");
  EXPECT_EQ(eff["SiLU"], 49);
  EXPECT_EQ(eff["Sigmoid"], 16);
  EXPECT_EQ(eff["Mul"], 16);
  // ShuffleNetV2: reshape -> transpose -> reshape is one ChannelShuffle; chunk() is two slices.
  auto shuffle = OpCounts("shufflenet_v2_x0_5_32");
  EXPECT_EQ(shuffle["ChannelShuffle"], 16);
  EXPECT_EQ(shuffle["SliceChannels"], 26);
  EXPECT_EQ(shuffle["Reshape"], 0);
}

TEST(OnnxImport, SpelledOutHardSwishIsFused) {
  auto ck = ImportOnnx(PathOf("hardswish_spelled.onnx"));
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  std::vector<std::string> types;
  for (const Node& n : ck->graph.nodes()) types.push_back(std::string(n.op->type()));
  EXPECT_EQ(types, (std::vector<std::string>{"Conv2D", "HardSwish", "Conv2D", "HardSwish"}));
  ExpectMatchesOnnxRuntime("hardswish_spelled", "y", Backend::kFast);
}

TEST(OnnxImport, ArithmeticWithConstantsBecomesPerChannelAffineLayers) {
  // (x - mean) / std, conv * 0.5 + 1, conv * gain - 0.25, fc / 2: seven scale-and-shift nodes.
  EXPECT_EQ(OpCounts("constant_arithmetic")["AffineChannels"], 7);
  ExpectMatchesOnnxRuntime("constant_arithmetic", "y", Backend::kFast);
  ExpectMatchesOnnxRuntime("constant_arithmetic", "y", Backend::kReference);
}

TEST(OnnxImport, GroupedConvolutionsAndClipBounds) {
  auto counts = OpCounts("grouped_conv");
  EXPECT_EQ(counts["Conv2D"], 3);
  EXPECT_EQ(counts["Clip"], 2);  // [-1, 2] and hardtanh's [-1, 1], opset 9 attributes
  EXPECT_EQ(counts["AffineChannels"], 1);
  ExpectMatchesOnnxRuntime("grouped_conv", "y", Backend::kFast);
  ExpectMatchesOnnxRuntime("grouped_conv", "y", Backend::kReference);
}

TEST(OnnxImport, ResizeAndUpsampleInEveryOpsetSpelling) {
  // Opset 13: nearest x2 (asymmetric, floor), bilinear x2 (half_pixel), align_corners, a resize
  // to 12 x 20 (one axis shrinks) and a nearest x0.5; opsets 9 and 10: nearest and bilinear x2.
  EXPECT_EQ(OpCounts("resize_modes")["Resize"], 5);
  for (const char* model : {"resize_modes", "upsample_opset9", "resize_opset10"}) {
    if (std::string(model) != "resize_modes") {
      EXPECT_EQ(OpCounts(model)["Resize"], 2) << model;
    }
    ExpectMatchesOnnxRuntime(model, "y", Backend::kFast);
    ExpectMatchesOnnxRuntime(model, "y", Backend::kReference);
  }
}

TEST(OnnxImport, TransposedConvolutionsAsInsertedZerosAndConvolutions) {
  auto counts = OpCounts("transposed_conv");
  EXPECT_EQ(counts["InsertZeros"], 2);  // the stride-1 one needs none
  EXPECT_EQ(counts["Conv2D"], 4);
  ExpectMatchesOnnxRuntime("transposed_conv", "y", Backend::kFast);
  ExpectMatchesOnnxRuntime("transposed_conv", "y", Backend::kReference);
}

TEST(OnnxImport, DenseLayerOnAFlattenedFeatureMap) {
  auto counts = OpCounts("flattened_features");
  EXPECT_EQ(counts["Dense"], 1);
  EXPECT_EQ(counts["Reshape"], 1);  // the Flatten, made real where the dense layer reads it
  ExpectMatchesOnnxRuntime("flattened_features", "y", Backend::kFast);
  ExpectMatchesOnnxRuntime("flattened_features", "y", Backend::kReference);
}

std::string ImportError(const std::vector<uint8_t>& bytes, const std::string& what) {
  auto ck = ImportOnnxBytes(bytes, what);
  EXPECT_FALSE(ck.ok()) << what << " was imported";
  return ck.ok() ? "" : ck.status().message();
}

std::string ImportError(const std::string& name) {
  auto bytes = ReadFileBytes(PathOf(name));
  EXPECT_TRUE(bytes.ok());
  return ImportError(*bytes, name);
}

TEST(OnnxImportErrors, TruncatedOrCorruptFile) {
  auto bytes = ReadFileBytes(PathOf("resnet18_32.onnx"));
  ASSERT_TRUE(bytes.ok());
  std::vector<uint8_t> half(bytes->begin(), bytes->begin() + bytes->size() / 2);
  EXPECT_NE(ImportError(half, "half.onnx").find("half.onnx: not a valid ONNX model"), std::string::npos);
  EXPECT_NE(ImportError({}, "empty.onnx").find("empty"), std::string::npos);
  std::vector<uint8_t> noise(4096);
  for (size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  EXPECT_FALSE(ImportError(noise, "noise.onnx").empty());
}

TEST(OnnxImportErrors, ListsEveryUnsupportedNode) {
  const std::string e = ImportError("unsupported_ops.onnx");
  EXPECT_NE(e.find("2 of 4 nodes cannot be imported"), std::string::npos) << e;
  EXPECT_NE(e.find("Erf (the operator is not supported): 'erf'"), std::string::npos) << e;
  EXPECT_NE(e.find("FancyNorm (operators of domain 'com.example' are not supported): 'fancy'"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << "one line: " << e;
}

TEST(OnnxImportErrors, ResamplingAttributesQforgeDoesNotHandle) {
  const std::string e = ImportError("unsupported_resampling.onnx");
  EXPECT_NE(e.find("3 of 4 nodes cannot be imported"), std::string::npos) << e;
  EXPECT_NE(e.find("auto_pad and output_shape are not supported"), std::string::npos) << e;
  EXPECT_NE(e.find("output_padding 1 beyond the end pad 0"), std::string::npos) << e;
  EXPECT_NE(e.find("mode 'cubic' is not supported"), std::string::npos) << e;
}

TEST(OnnxImportErrors, CyclicGraph) {
  const std::string e = ImportError("cyclic.onnx");
  EXPECT_NE(e.find("the graph has a cycle"), std::string::npos) << e;
  EXPECT_NE(e.find("Add 'add'"), std::string::npos) << e;
}

TEST(OnnxImportErrors, InitializerShorterThanItsShape) {
  const std::string e = ImportError("bad_initializer.onnx");
  EXPECT_NE(e.find("initializer 'w': shape [4, 3, 3, 3] needs 108 elements, the tensor holds 103"), std::string::npos) << e;
}

TEST(OnnxImportErrors, DynamicSpatialDimensions) {
  const std::string e = ImportError("dynamic_spatial.onnx");
  EXPECT_NE(e.find("input 'x' has a dynamic dimension 2 ('height')"), std::string::npos) << e;
}

TEST(OnnxImportErrors, MissingFile) {
  auto ck = ImportOnnx(PathOf("no_such_model.onnx"));
  ASSERT_FALSE(ck.ok());
  EXPECT_NE(ck.status().message().find("no_such_model.onnx"), std::string::npos);
}

}  // namespace
}  // namespace qforge::onnx_import
