// TfliteBuilder (see tflite_builder.h).
#include "interop/tflite/tflite_builder.h"

#include <cmath>
#include <cstring>

namespace qforge::tflite_export {

tfl::TensorType TfliteType(qfm::DType dtype) {
  switch (dtype) {
    case qfm::DType::FLOAT32: return tfl::TensorType::FLOAT32;
    case qfm::DType::INT8: return tfl::TensorType::INT8;
    case qfm::DType::INT16: return tfl::TensorType::INT16;
    case qfm::DType::INT32: return tfl::TensorType::INT32;
    case qfm::DType::INT64: return tfl::TensorType::INT64;
    case qfm::DType::FLOAT16: return tfl::TensorType::FLOAT16;
  }
  return tfl::TensorType::FLOAT32;
}

uint32_t TfliteBuilder::AddBuffer(const void* data, size_t bytes) {
  const auto* p = static_cast<const uint8_t*>(data);
  buffers_.emplace_back(p, p + bytes);
  return static_cast<uint32_t>(buffers_.size() - 1);
}

int TfliteBuilder::NewTensor(const std::string& name, tfl::TensorType type, const std::vector<int>& shape,
                             const TensorQuant* quant, const void* data, size_t bytes) {
  flatbuffers::Offset<tfl::QuantizationParameters> q = 0;
  if (quant && !quant->scale.empty())
    q = tfl::CreateQuantizationParameters(fbb_, 0, 0, fbb_.CreateVector(quant->scale),
                                          fbb_.CreateVector(quant->zero_point), tfl::QuantizationDetails::NONE, 0,
                                          quant->axis);
  const uint32_t buffer = data ? AddBuffer(data, bytes) : 0;
  tensors_.push_back(
      tfl::CreateTensor(fbb_, fbb_.CreateVector(shape), type, buffer, fbb_.CreateString(name), q));
  tensor_names_.push_back(name);
  return static_cast<int>(tensors_.size() - 1);
}

int TfliteBuilder::Tensor(int index) {
  auto it = mapped_.find(index);
  if (it != mapped_.end()) return it->second;
  const QfmTensor& t = tensor(index);
  TensorQuant q{t.scale, t.zero_point, t.axis};
  const int id = NewTensor(t.name, TfliteType(t.dtype), t.shape, &q, t.data, t.bytes);
  return mapped_[index] = id;
}

void TfliteBuilder::MapTo(int index, int id) {
  if (id < 0) {
    mapped_.erase(index);
  } else {
    mapped_[index] = id;
  }
}

int TfliteBuilder::TensorLike(int like, const std::string& name, const std::vector<int>& shape) {
  const QfmTensor& t = tensor(like);
  TensorQuant q{t.scale, t.zero_point, t.axis};
  return NewTensor(name, TfliteType(t.dtype), shape.empty() ? t.shape : shape, &q);
}

int TfliteBuilder::Int32s(const std::string& name, const std::vector<int32_t>& values) {
  return NewTensor(name, tfl::TensorType::INT32, {static_cast<int>(values.size())}, nullptr, values.data(),
                   values.size() * sizeof(int32_t));
}

int TfliteBuilder::Floats(const std::string& name, const std::vector<float>& values) {
  return NewTensor(name, tfl::TensorType::FLOAT32, {static_cast<int>(values.size())}, nullptr, values.data(),
                   values.size() * sizeof(float));
}

int TfliteBuilder::ExactInt8(const std::string& name, float value) {
  const int8_t q = value < 0 ? -127 : 127;
  TensorQuant quant{{value == 0 ? 1.0f : std::fabs(value) / 127.0f}, {0}, 0};
  if (value == 0) return NewTensor(name, tfl::TensorType::INT8, {1}, &quant, "\0", 1);
  return NewTensor(name, tfl::TensorType::INT8, {1}, &quant, &q, 1);
}

void TfliteBuilder::Op(tfl::BuiltinOperator code, const std::vector<int>& inputs, const std::vector<int>& outputs,
                       tfl::BuiltinOptions options_type, flatbuffers::Offset<void> options) {
  size_t opcode = 0;
  while (opcode < opcodes_.size() && opcodes_[opcode] != code) ++opcode;
  if (opcode == opcodes_.size()) opcodes_.push_back(code);
  operators_.push_back(tfl::CreateOperator(fbb_, static_cast<uint32_t>(opcode), fbb_.CreateVector(inputs),
                                           fbb_.CreateVector(outputs), options_type, options));
}

std::vector<uint8_t> TfliteBuilder::Finish(const std::string& description, const std::string& metadata) {
  std::vector<int> inputs, outputs;
  for (int t : view_.inputs()) inputs.push_back(Tensor(t));
  for (int t : view_.outputs()) outputs.push_back(Tensor(t));
  const uint32_t metadata_buffer = AddBuffer(metadata.data(), metadata.size());

  std::vector<flatbuffers::Offset<tfl::OperatorCode>> codes;
  for (tfl::BuiltinOperator code : opcodes_) {
    const auto value = static_cast<int32_t>(code);
    codes.push_back(tfl::CreateOperatorCode(fbb_, static_cast<int8_t>(value < 127 ? value : 127), 0, 1, code));
  }
  std::vector<flatbuffers::Offset<tfl::Buffer>> buffers;
  for (const std::vector<uint8_t>& b : buffers_) {
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> data = 0;
    if (!b.empty()) {
      fbb_.ForceVectorAlignment(b.size(), sizeof(uint8_t), 16);
      data = fbb_.CreateVector(b);
    }
    buffers.push_back(tfl::CreateBuffer(fbb_, data));
  }
  const auto subgraph = tfl::CreateSubGraph(fbb_, fbb_.CreateVector(tensors_), fbb_.CreateVector(inputs),
                                            fbb_.CreateVector(outputs), fbb_.CreateVector(operators_),
                                            fbb_.CreateString("main"));
  const auto maps = [&](const std::vector<int>& ids) {
    std::vector<flatbuffers::Offset<tfl::TensorMap>> m;
    for (int id : ids) m.push_back(tfl::CreateTensorMap(fbb_, fbb_.CreateString(tensor_names_[id]), id));
    return fbb_.CreateVector(m);
  };
  const auto signature =
      tfl::CreateSignatureDef(fbb_, maps(inputs), maps(outputs), fbb_.CreateString("serving_default"), 0);
  const auto meta = tfl::CreateMetadata(fbb_, fbb_.CreateString("qforge"), metadata_buffer);
  const auto model = tfl::CreateModel(fbb_, 3, fbb_.CreateVector(codes), fbb_.CreateVector(std::vector{subgraph}),
                                      fbb_.CreateString(description), fbb_.CreateVector(buffers), 0,
                                      fbb_.CreateVector(std::vector{meta}), fbb_.CreateVector(std::vector{signature}));
  tfl::FinishModelBuffer(fbb_, model);
  return {fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize()};
}

}  // namespace qforge::tflite_export
