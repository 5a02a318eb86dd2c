// ModelWriter: builds the FlatBuffers object tree and packs it.
#include "runtime/model/model_writer.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include "runtime/model/model.h"

namespace qforge::runtime {

ModelWriter::ModelWriter(std::string producer) {
  model_.version = kQfmVersion;
  model_.producer = std::move(producer);
  model_.buffers.push_back(std::make_unique<qfm::BufferT>());  // buffer 0: empty
}

int ModelWriter::AddTensor(const std::string& name, qfm::DType dtype, const std::vector<int>& shape,
                           uint32_t buffer, const QuantParams* quant) {
  auto t = std::make_unique<qfm::TensorT>();
  t->name = name;
  t->dtype = dtype;
  t->shape = shape;
  t->buffer = buffer;
  if (quant) {
    t->quantization = std::make_unique<qfm::QuantizationT>();
    t->quantization->scale = quant->scale;
    t->quantization->zero_point = quant->zero_point;
    std::vector<float>& scale = t->quantization->scale;
    std::vector<int64_t>& zp = t->quantization->zero_point;
    if (zp.size() > 1 && std::all_of(zp.begin(), zp.end(), [&](int64_t z) { return z == zp[0]; })) {
      zp.resize(1);  // one zero point shared by every channel
      if (std::all_of(scale.begin(), scale.end(), [&](float x) { return x == scale[0]; }))
        scale.resize(1);  // and one scale (e.g. clustered weights): per tensor
    }
    t->quantization->quantized_dimension = quant->axis;
    t->quantization->bits = static_cast<uint8_t>(quant->bits);
  }
  model_.tensors.push_back(std::move(t));
  return static_cast<int>(model_.tensors.size()) - 1;
}

int ModelWriter::AddActivation(const std::string& name, qfm::DType dtype, const std::vector<int>& shape,
                               const QuantParams* quant) {
  return AddTensor(name, dtype, shape, 0, quant);
}

int ModelWriter::AddConstant(const std::string& name, qfm::DType dtype, const std::vector<int>& shape,
                             const void* data, size_t bytes, const QuantParams* quant) {
  auto buffer = std::make_unique<qfm::BufferT>();
  buffer->data.resize(bytes);
  if (bytes) std::memcpy(buffer->data.data(), data, bytes);
  model_.buffers.push_back(std::move(buffer));
  return AddTensor(name, dtype, shape, static_cast<uint32_t>(model_.buffers.size() - 1), quant);
}

void ModelWriter::AddOperator(qfm::OpType type, const std::vector<int>& inputs,
                              const std::vector<int>& outputs, qfm::OptionsUnion options) {
  auto op = std::make_unique<qfm::OperatorT>();
  op->type = type;
  op->inputs = inputs;
  op->outputs = outputs;
  op->options = std::move(options);
  model_.operators.push_back(std::move(op));
}

std::vector<uint8_t> SerializeModel(const qfm::ModelT& model) {
  flatbuffers::FlatBufferBuilder builder(1 << 16);
  qfm::FinishModelBuffer(builder, qfm::Model::Pack(builder, &model));
  return std::vector<uint8_t>(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
}

}  // namespace qforge::runtime
