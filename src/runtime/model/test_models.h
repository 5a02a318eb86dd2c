// Small hand-made .qfm models for tests of the runtime's APIs and of the `qforge` command.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/model/model_writer.h"

namespace qforge::runtime::test_models {

// Two inputs and two outputs of different types: sum = a + b (float32 [1, 3]), and
// "a/quantized" = quantize(a) on an int8 grid of scale 0.5, zero point -3.
inline std::vector<uint8_t> AddAndQuantizeModel() {
  ModelWriter w;
  const int a = w.AddActivation("a", qfm::DType::FLOAT32, {1, 3});
  const int b = w.AddActivation("b", qfm::DType::FLOAT32, {1, 3});
  const int sum = w.AddActivation("sum", qfm::DType::FLOAT32, {1, 3});
  QuantParams grid{{0.5f}, {-3}};
  const int q = w.AddActivation("a/quantized", qfm::DType::INT8, {1, 3}, &grid);
  qfm::OptionsUnion add;
  add.Set(qfm::AddOptionsT{});
  w.AddOperator(qfm::OpType::ADD, {a, b}, {sum}, std::move(add));
  w.AddOperator(qfm::OpType::QUANTIZE, {a}, {q});
  w.SetInputs({a, b});
  w.SetOutputs({sum, q});
  return w.Serialize();
}

}  // namespace qforge::runtime::test_models
