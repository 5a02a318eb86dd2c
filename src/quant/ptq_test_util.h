// Test helpers of post-training quantization: random images, zoo checkpoints, and a checkpoint
// quantized and run through the runtime on them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "convert/evaluate.h"
#include "quant/ptq.h"
#include "runtime/interpreter.h"
#include "zoo/zoo.h"

namespace qforge::quant {

// `count` random 28x28 images, labels i % 10.
inline ImageDataset RandomImages(int64_t count, uint32_t seed) {
  ImageDataset d;
  d.count = count, d.channels = 1, d.height = 28, d.width = 28, d.num_classes = 10;
  std::mt19937 rng(seed);
  for (int64_t i = 0; i < d.count * 784; ++i) d.pixels.push_back(static_cast<uint8_t>(rng() % 256));
  for (int64_t i = 0; i < d.count; ++i) d.labels.push_back(static_cast<int32_t>(i % 10));
  return d;
}

// A zoo model, randomly initialized with `seed`, as a checkpoint normalized for d.
inline Checkpoint ZooCheckpoint(const std::string& name, uint64_t seed, const ImageDataset& d) {
  Checkpoint ck;
  auto g = FindZooModel(name)->build(seed);
  EXPECT_TRUE(g.ok());
  ck.graph = std::move(*g);
  ck.meta.model_name = name;
  ck.meta.preprocess = ComputeNormalization(d);
  return ck;
}

// Runs a .qfm model on all of d; its float outputs.
inline std::vector<float> RunQfm(const std::vector<uint8_t>& bytes, const ImageDataset& d, const Preprocess& pre) {
  auto model = runtime::Model::FromBytes(bytes.data(), bytes.size(), "ptq.qfm");
  EXPECT_TRUE(model.ok()) << model.status().message();
  if (!model.ok()) return {};
  auto it = runtime::Interpreter::Create(*model, {static_cast<int>(d.count)});
  EXPECT_TRUE(it.ok()) << it.status().message();
  if (!it.ok()) return {};
  std::vector<int64_t> all(d.count);
  for (int64_t i = 0; i < d.count; ++i) all[i] = i;
  EXPECT_TRUE(convert::FillInput(d, pre, all.data(), d.count, it->get()).ok());
  EXPECT_TRUE((*it)->Invoke().ok());
  const runtime::RuntimeTensor& out = (*it)->output(0);
  return std::vector<float>(out.as<float>(), out.as<float>() + out.elements);
}

// Quantizes the checkpoint with `o` and returns the runtime's float outputs on all of d.
inline std::vector<float> QuantizeAndRun(const Checkpoint& ck, const ImageDataset& d, const PtqOptions& o) {
  auto bytes = QuantizeCheckpoint(ck, &d, o);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  if (!bytes.ok()) return {};
  return RunQfm(*bytes, d, ck.meta.preprocess);
}

}  // namespace qforge::quant
