// Imported torchvision models (tests/onnx/make_models.py, 32x32) and a model of arithmetic with
// constants (make_small_models.py) through post-training
// quantization, the converter and the runtime, in every mode: the runtime's logits against the
// float training graph's on the same images. And through quantization-aware training: a few
// steps, then the converted int8 model against the training graph's simulation of it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "interop/onnx/onnx_import.h"
#include "quant/ptq.h"
#include "quant/qat.h"
#include "quant/qat_export.h"
#include "runtime/interpreter.h"
#include "train/executor.h"
#include "train/train_step.h"

namespace qforge::onnx_import {
namespace {

const std::string kDir = QFORGE_ONNX_TESTDATA;

// `count` 3-channel `size` x `size` images of seeded uniform pixels, labelled 0.
ImageDataset RandomImages(int64_t count, int64_t size, uint64_t seed) {
  ImageDataset d;
  d.count = count;
  d.channels = 3;
  d.height = d.width = size;
  d.num_classes = 10;
  d.labels.assign(count, 0);
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_int_distribution<int> pixel(0, 255);
  d.pixels.resize(count * 3 * size * size);
  for (uint8_t& p : d.pixels) p = static_cast<uint8_t>(pixel(rng));
  return d;
}

// How far the runtime's logits are from the float graph's: max |difference| / max |logit|, and
// how many samples agree on the top class.
struct Agreement {
  float relative_error = 0;
  int same_top1 = 0;
};

Agreement Compare(const float* got, const Tensor& want) {
  const int64_t n = want.dim(0), classes = want.dim(1);
  Agreement a;
  float scale = 0;
  for (int64_t i = 0; i < want.size(); ++i) scale = std::max(scale, std::abs(want[i]));
  for (int64_t i = 0; i < want.size(); ++i) a.relative_error = std::max(a.relative_error, std::abs(got[i] - want[i]) / scale);
  for (int64_t s = 0; s < n; ++s) {
    const float* g = got + s * classes;
    const float* w = want.data() + s * classes;
    a.same_top1 += std::max_element(g, g + classes) - g == std::max_element(w, w + classes) - w;
  }
  return a;
}

struct ModeBound {
  convert::Mode mode;
  float max_relative_error;  // of the logits, against float
  int min_same_top1;         // of 16 samples
};

class ImportedModelDeploys : public ::testing::TestWithParam<const char*> {};

TEST_P(ImportedModelDeploys, EveryModeTracksTheFloatGraph) {
  auto ck = ImportOnnx(kDir + "/" + GetParam() + ".onnx");
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  constexpr int64_t kSamples = 16;
  const int64_t size = ck->graph.values()[ck->graph.inputs()[0]].shape[2];
  const ImageDataset calibration = RandomImages(64, size, 1), test = RandomImages(kSamples, size, 2);
  std::vector<int64_t> all(kSamples);
  for (int64_t i = 0; i < kSamples; ++i) all[i] = i;
  Tensor nchw({kSamples, 3, size, size});
  for (int64_t i = 0; i < nchw.size(); ++i) nchw[i] = ck->meta.preprocess.Apply(test.pixels[i]);
  std::vector<float> nhwc(nchw.size());
  PreprocessNhwc(test, ck->meta.preprocess, all.data(), kSamples, nhwc.data());
  Executor ex(&ck->graph, Backend::kFast);
  ASSERT_TRUE(ex.Forward({&nchw}, false).ok());
  const Tensor want = ex.value(ck->graph.outputs()[0]);

  // The 8-bit weights dominate the error of the three modes that have them (measured: at most
  // 5.0e-2 here); float16 weights give 1.7e-3 at most, float 3e-6.
  const ModeBound bounds[] = {{convert::Mode::kFloat, 1e-4f, 16},  {convert::Mode::kFloat16, 5e-3f, 15},
                              {convert::Mode::kDynamic, 1e-1f, 14}, {convert::Mode::kInt16x8, 8e-2f, 14},
                              {convert::Mode::kInt8, 1e-1f, 13}};
  for (const ModeBound& b : bounds) {
    SCOPED_TRACE(convert::ModeName(b.mode));
    quant::PtqOptions o;
    o.mode = b.mode;
    o.calibration_samples = calibration.count;
    auto bytes = quant::QuantizeCheckpoint(*ck, &calibration, o);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    auto model = runtime::Model::FromBytes(bytes->data(), bytes->size(), GetParam());
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto it = runtime::Interpreter::Create(*model, {static_cast<int>(kSamples)});
    ASSERT_TRUE(it.ok()) << it.status().message();
    ASSERT_TRUE((*it)->SetInput(0, nhwc.data(), static_cast<int64_t>(nhwc.size() * 4)).ok());
    ASSERT_TRUE((*it)->Invoke().ok());
    std::vector<float> got(want.size());
    ASSERT_TRUE((*it)->GetOutput(0, got.data(), static_cast<int64_t>(got.size() * 4)).ok());
    const Agreement a = Compare(got.data(), want);
    std::printf("%s %s: max |difference| %.2e of max |logit|, top-1 agreement %d/%d\n", GetParam(),
                convert::ModeName(b.mode), a.relative_error, a.same_top1, static_cast<int>(kSamples));
    EXPECT_LE(a.relative_error, b.max_relative_error);
    EXPECT_GE(a.same_top1, b.min_same_top1);
  }
}

// Every operator of the imported model gets its QAT treatment (batch norm folded into its
// convolution, the activation grids of HardSwish, the Mul gates, SiLU, ...); the exported int8
// model then computes what the training graph simulated.
TEST_P(ImportedModelDeploys, QuantizationAwareTrainingExportsWhatItSimulates) {
  auto ck = ImportOnnx(kDir + "/" + GetParam() + ".onnx");
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  quant::QatOptions o;
  o.scheme = *quant::MakeScheme("int8");
  auto q = quant::QuantizeModel(ck->graph, o);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_TRUE(q->kept_float.empty());
  constexpr int64_t kSamples = 16;
  const int64_t size = ck->graph.values()[ck->graph.inputs()[0]].shape[2];
  const ImageDataset images = RandomImages(kSamples, size, 3);
  Tensor nchw({kSamples, 3, size, size});
  for (int64_t i = 0; i < nchw.size(); ++i) nchw[i] = ck->meta.preprocess.Apply(images.pixels[i]);
  std::vector<int32_t> labels(kSamples);
  for (int64_t i = 0; i < kSamples; ++i) labels[i] = static_cast<int32_t>(i % 10);
  TrainStep trainer(&q->graph, {.type = "adam"}, Backend::kFast);
  Rng rng(4);
  for (int s = 0; s < 3; ++s) ASSERT_TRUE(trainer.Run(nchw, labels, 1e-4f, &rng).ok());
  Executor ex(&q->graph, Backend::kFast);
  ASSERT_TRUE(ex.Forward({&nchw}, false).ok());
  const Tensor sim = ex.value(q->graph.outputs()[0]);

  auto bytes = quant::ConvertQatModel(q->graph, ck->meta, {});
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto model = runtime::Model::FromBytes(bytes->data(), bytes->size(), GetParam());
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto it = runtime::Interpreter::Create(*model, {static_cast<int>(kSamples)});
  ASSERT_TRUE(it.ok()) << it.status().message();
  std::vector<int64_t> all(kSamples);
  for (int64_t i = 0; i < kSamples; ++i) all[i] = i;
  std::vector<float> nhwc(nchw.size());
  PreprocessNhwc(images, ck->meta.preprocess, all.data(), kSamples, nhwc.data());
  ASSERT_TRUE((*it)->SetInput(0, nhwc.data(), static_cast<int64_t>(nhwc.size() * 4)).ok());
  ASSERT_TRUE((*it)->Invoke().ok());
  std::vector<float> got(sim.size());
  ASSERT_TRUE((*it)->GetOutput(0, got.data(), static_cast<int64_t>(got.size() * 4)).ok());
  const Agreement a = Compare(got.data(), sim);
  const qfm::Model& file = (*it)->model().flat();
  const float step = file.tensors()->Get(file.operators()->Get(file.operators()->size() - 1)->inputs()->Get(0))
                         ->quantization()->scale()->Get(0);
  float max_diff = 0, max_sim = 0;
  for (int64_t i = 0; i < sim.size(); ++i) {
    max_diff = std::max(max_diff, std::abs(got[i] - sim[i]));
    max_sim = std::max(max_sim, std::abs(sim[i]));
  }
  std::printf("%s QAT int8 vs its simulation: max |difference| %.2e of max |logit| (%.1f output steps, max |logit| %.1f steps), top-1 agreement %d/%d\n",
              GetParam(), a.relative_error, max_diff / step, max_sim / step, a.same_top1, static_cast<int>(kSamples));
  // Integer requantization rounds where the simulation's float does not; over a deep network
  // that adds up to a few steps of the output grid (measured: at most 5, squeezenet 12 of a
  // 255-step range).
  EXPECT_LE(max_diff, std::max(6.0f * step, 0.05f * max_sim));
}

INSTANTIATE_TEST_SUITE_P(Models, ImportedModelDeploys,
                         ::testing::Values("resnet18_32", "mobilenet_v2_32", "mobilenet_v3_small_32", "squeezenet1_1_32",
                                           "shufflenet_v2_x0_5_32", "mnasnet0_5_32", "efficientnet_b0_32",
                                           "constant_arithmetic", "grouped_conv", "resize_modes", "upsample_opset9",
                                           "transposed_conv"));

}  // namespace
}  // namespace qforge::onnx_import
