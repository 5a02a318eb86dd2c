// TfliteBuilder: collects the tensors, buffers, operator codes and operators of one TFLite
// subgraph while a .qfm model is exported, and writes the finished FlatBuffer. The .qfm and
// TFLite share their layout (NHWC activations, OHWI and 1HWO weights) and their int8
// arithmetic, so a .qfm tensor becomes a TFLite tensor unchanged: same shape (batch 1), type,
// scales, zero points and quantized dimension.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <map>
#include <string>
#include <vector>

#include "interop/qfm_view.h"
#include "interop/tflite/tflite_schema_generated.h"

namespace qforge::tflite_export {

using interop::QfmOp;
using interop::QfmTensor;
using interop::QfmView;
namespace tfl = qforge::tflite;

// Quantization of a new tensor: one scale and zero point (or one per slice of `axis`).
struct TensorQuant {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int axis = 0;
};

class TfliteBuilder {
 public:
  explicit TfliteBuilder(const QfmView& view) : view_(view) {}

  const QfmView& view() const { return view_; }
  const QfmTensor& tensor(int index) const { return view_.tensor(index); }
  flatbuffers::FlatBufferBuilder& fbb() { return fbb_; }

  // The TFLite tensor of .qfm tensor `index` (added on first use, with its bytes if constant).
  int Tensor(int index);
  // Makes `id` the TFLite tensor of .qfm tensor `index` from now on (or, with -1, none yet).
  void MapTo(int index, int id);
  // A tensor of its own; `data` null for an activation.
  int NewTensor(const std::string& name, tfl::TensorType type, const std::vector<int>& shape,
                const TensorQuant* quant = nullptr, const void* data = nullptr, size_t bytes = 0);
  // An activation quantized like .qfm tensor `like` (and shaped like it, or `shape`), under a new name.
  int TensorLike(int like, const std::string& name, const std::vector<int>& shape = {});
  int Int32s(const std::string& name, const std::vector<int32_t>& values);
  int Floats(const std::string& name, const std::vector<float>& values);
  // A one-element int8 constant holding `value` exactly: scale |value| / 127 (q = +-127).
  int ExactInt8(const std::string& name, float value);

  void Op(tfl::BuiltinOperator code, const std::vector<int>& inputs, const std::vector<int>& outputs,
          tfl::BuiltinOptions options_type = tfl::BuiltinOptions::NONE, flatbuffers::Offset<void> options = 0);

  // The model: the subgraph's inputs and outputs are the view's; `metadata` (JSON) is stored as
  // the metadata entry "qforge"; the signature "serving_default" names inputs and outputs.
  std::vector<uint8_t> Finish(const std::string& description, const std::string& metadata);

 private:
  uint32_t AddBuffer(const void* data, size_t bytes);

  const QfmView& view_;
  flatbuffers::FlatBufferBuilder fbb_;
  std::vector<flatbuffers::Offset<tfl::Tensor>> tensors_;
  std::vector<std::string> tensor_names_;
  std::vector<std::vector<uint8_t>> buffers_ = {{}};  // buffer 0: empty
  std::vector<flatbuffers::Offset<tfl::Operator>> operators_;
  std::vector<tfl::BuiltinOperator> opcodes_;
  std::map<int, int> mapped_;  // .qfm tensor -> TFLite tensor
};

// The TFLite type of a .qfm type.
tfl::TensorType TfliteType(qfm::DType dtype);

}  // namespace qforge::tflite_export
