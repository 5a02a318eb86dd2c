// .qfm loading tests: a valid model loads (from a file, zero-copy, and from memory); damaged
// models — truncated, bit-flipped, wrong identifier or version, out-of-range indices, buffer
// sizes that do not match shapes, bad quantization, wrong options — fail with a message
// naming the problem and never crash (the suite also runs under ASan/UBSan).
#include "runtime/model/model.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <vector>

namespace qforge::runtime {
namespace {

struct Tweaks {
  uint32_t version = kQfmVersion;
  int32_t op_input = 0;        // first input of the operator
  size_t weight_bytes = 8;     // the weights' shape needs 8
  float input_scale = 0.5f;
  bool conv_options = false;   // give the FULLY_CONNECTED op the wrong options
};

// input int8 [1, 4] -> FULLY_CONNECTED (weights int8 [2, 4], bias int32 [2]) -> output [1, 2].
std::vector<uint8_t> BuildModel(const Tweaks& tw = {}) {
  flatbuffers::FlatBufferBuilder b;
  auto quant = [&](float scale, int64_t zp) {
    return qfm::CreateQuantization(b, b.CreateVector<float>({scale}), b.CreateVector<int64_t>({zp}), 0);
  };
  const std::vector<int32_t> in_shape{1, 4}, w_shape{2, 4}, b_shape{2}, out_shape{1, 2};
  std::vector<flatbuffers::Offset<qfm::Tensor>> tensors{
      qfm::CreateTensorDirect(b, "input", qfm::DType::INT8, &in_shape, 0, quant(tw.input_scale, -3)),
      qfm::CreateTensorDirect(b, "weights", qfm::DType::INT8, &w_shape, 1, quant(0.25f, 0)),
      qfm::CreateTensorDirect(b, "bias", qfm::DType::INT32, &b_shape, 2, quant(0.125f, 0)),
      qfm::CreateTensorDirect(b, "output", qfm::DType::INT8, &out_shape, 0, quant(1.0f, 5)),
  };
  const std::vector<uint8_t> weights(tw.weight_bytes, 3), bias(8, 0);
  std::vector<flatbuffers::Offset<qfm::Buffer>> buffers{
      qfm::CreateBuffer(b), qfm::CreateBufferDirect(b, &weights), qfm::CreateBufferDirect(b, &bias)};
  const std::vector<int32_t> op_inputs{tw.op_input, 1, 2}, op_outputs{3}, inputs{0}, outputs{3};
  flatbuffers::Offset<qfm::Operator> op;
  if (tw.conv_options) {
    op = qfm::CreateOperatorDirect(b, qfm::OpType::FULLY_CONNECTED, &op_inputs, &op_outputs,
                                   qfm::Options::Conv2DOptions, qfm::CreateConv2DOptions(b).Union());
  } else {
    op = qfm::CreateOperatorDirect(b, qfm::OpType::FULLY_CONNECTED, &op_inputs, &op_outputs,
                                   qfm::Options::FullyConnectedOptions,
                                   qfm::CreateFullyConnectedOptions(b).Union());
  }
  std::vector<flatbuffers::Offset<qfm::Operator>> ops{op};
  auto model = qfm::CreateModelDirect(b, tw.version, "model_test", &tensors, &buffers, &ops, &inputs, &outputs, "{}");
  qfm::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

std::string LoadError(const std::vector<uint8_t>& bytes) {
  auto m = Model::FromBytes(bytes.data(), bytes.size(), "m.qfm");
  return m.ok() ? "" : m.status().message();
}

TEST(Model, ValidModelLoadsFromFileAndMemory) {
  const std::vector<uint8_t> bytes = BuildModel();
  const std::string path = ::testing::TempDir() + "model_test_" + std::to_string(getpid()) + ".qfm";
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  auto m = Model::Load(path);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->flat().tensors()->size(), 4u);
  EXPECT_EQ((*m)->flat().operators()->Get(0)->type(), qfm::OpType::FULLY_CONNECTED);
  EXPECT_EQ((*m)->size_bytes(), bytes.size());
  std::remove(path.c_str());
  EXPECT_EQ(LoadError(bytes), "");
  EXPECT_EQ(Model::Load(path).status().code(), StatusCode::kNotFound);
}

TEST(Model, SemanticErrorsNameTheProblem) {
  EXPECT_NE(LoadError(BuildModel({.version = 3})).find("version 3 unsupported"), std::string::npos);
  EXPECT_NE(LoadError(BuildModel({.op_input = 9})).find("tensor 9, which does not exist"), std::string::npos);
  EXPECT_NE(LoadError(BuildModel({.op_input = -5})).find("does not exist"), std::string::npos);
  EXPECT_NE(LoadError(BuildModel({.weight_bytes = 7})).find("'weights') holds 7 bytes"), std::string::npos);
  EXPECT_NE(LoadError(BuildModel({.input_scale = -1.0f})).find("scale"), std::string::npos);
  EXPECT_NE(LoadError(BuildModel({.input_scale = NAN})).find("scale"), std::string::npos);
  EXPECT_NE(LoadError(BuildModel({.conv_options = true})).find("wrong options"), std::string::npos);
  std::vector<uint8_t> bad_id = BuildModel();
  bad_id[4] = 'X';
  EXPECT_NE(LoadError(bad_id).find("identifier"), std::string::npos);
  EXPECT_NE(LoadError({}).find("identifier"), std::string::npos);
}

TEST(Model, HundredsOfCorruptedVariantsFailCleanly) {
  const std::vector<uint8_t> good = BuildModel();
  int failed = 0, total = 0;
  for (size_t len = 0; len < good.size(); ++len, ++total) {  // every truncation
    std::vector<uint8_t> cut(good.begin(), good.begin() + len);
    const std::string err = LoadError(cut);
    EXPECT_FALSE(err.empty()) << "truncated to " << len << " bytes loaded";
    failed += !err.empty();
  }
  std::mt19937 rng(10);
  int flipped_failures = 0;
  for (int trial = 0; trial < 600; ++trial, ++total) {  // random byte damage
    std::vector<uint8_t> bad = good;
    const int hits = 1 + static_cast<int>(rng() % 3);
    for (int h = 0; h < hits; ++h) bad[rng() % bad.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    const std::string err = LoadError(bad);  // may load: damage inside weights is still a model
    flipped_failures += !err.empty();
  }
  std::cout << "truncations rejected: " << failed << "; damaged variants rejected: " << flipped_failures
            << " of 600\n";
  EXPECT_GT(flipped_failures, 100);
}

}  // namespace
}  // namespace qforge::runtime
