// QfmView: a verified .qfm model as the exporters (ONNX, TFLite) read it — its tensors with
// their constant bytes decoded and their quantization unpacked, its operators with the
// consumers of every tensor, and optionally with integer input/output (the QUANTIZE at the
// model's input and the DEQUANTIZE at its output left out, as `--int8-io` asks).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "runtime/model/model.h"

namespace qforge::interop {

struct QfmTensor {
  std::string name;  // unique and non-empty (the file's name, made unique, or t<index>)
  qfm::DType dtype = qfm::DType::FLOAT32;
  std::vector<int> shape;  // activations with batch 1 first
  const uint8_t* data = nullptr;  // constant bytes, or null for an activation
  size_t bytes = 0;
  std::vector<float> scale;        // empty: not quantized
  std::vector<int64_t> zero_point;  // one per scale, a shared one already expanded
  int axis = 0;                     // quantized_dimension
  int bits = 0;

  bool constant() const { return data != nullptr; }
  bool quantized() const { return !scale.empty(); }
  bool per_channel() const { return scale.size() > 1; }
  int64_t elements() const;
};

struct QfmOp {
  qfm::OpType type;
  std::vector<int> inputs;  // -1: absent
  std::vector<int> outputs;
  const qfm::Operator* flat = nullptr;  // for the options

  std::string Label() const;  // e.g. "operator 3 (CONV_2D)"
  int index = 0;
};

struct QfmViewOptions {
  bool int8_io = false;  // integer model input/output: skip a QUANTIZE at an input, a DEQUANTIZE at an output
};

class QfmView {
 public:
  // Checks the model the way an interpreter does (every operator against its tensors) before
  // anything is exported.
  static StatusOr<QfmView> Make(std::shared_ptr<const runtime::Model> model, const QfmViewOptions& options = {});

  const std::vector<QfmTensor>& tensors() const { return tensors_; }
  const QfmTensor& tensor(int index) const { return tensors_.at(index); }
  const std::vector<QfmOp>& ops() const { return ops_; }
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& outputs() const { return outputs_; }
  // The operators reading tensor `index` (positions in ops()).
  const std::vector<int>& consumers(int index) const { return consumers_.at(index); }
  bool IsModelOutput(int index) const;
  const std::string& metadata() const { return metadata_; }
  const std::string& producer() const { return producer_; }

 private:
  std::shared_ptr<const runtime::Model> model_;
  std::vector<QfmTensor> tensors_;
  std::vector<QfmOp> ops_;
  std::vector<int> inputs_, outputs_;
  std::vector<std::vector<int>> consumers_;
  std::string metadata_, producer_;
};

// The bytes of an array of `shape` with elements of `element_bytes` bytes, its dimensions
// reordered: dimension k of the result is dimension `perm[k]` of the input.
std::vector<uint8_t> PermuteDims(const uint8_t* data, const std::vector<int>& shape, int element_bytes,
                                 const std::vector<int>& perm);
std::vector<int> PermutedShape(const std::vector<int>& shape, const std::vector<int>& perm);

}  // namespace qforge::interop
