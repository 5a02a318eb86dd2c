// ModelWriter: assembles a .qfm model (tensors, constant buffers, operators) and serializes
// it. Used by the converter and by tests that need hand-made models; the result is checked by
// the same loader as any file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qforge/version.h"
#include "runtime/model/qfm_generated.h"

namespace qforge::runtime {

struct QuantParams {
  std::vector<float> scale;         // one per tensor, or one per slice of `axis`
  std::vector<int64_t> zero_point;  // same length as scale
  int axis = 0;
  int bits = 0;                     // n-bit grid in the type's container (0: full width)
};

// Packs a model object tree (e.g. one unpacked from a file and edited) into .qfm bytes.
std::vector<uint8_t> SerializeModel(const qfm::ModelT& model);

class ModelWriter {
 public:
  explicit ModelWriter(std::string producer = QFORGE_PRODUCER);

  // An activation (no data); its first dimension is the batch (stored as 1).
  int AddActivation(const std::string& name, qfm::DType dtype, const std::vector<int>& shape,
                    const QuantParams* quant = nullptr);
  // A constant; `bytes` must match the shape and type (the loader checks it).
  int AddConstant(const std::string& name, qfm::DType dtype, const std::vector<int>& shape,
                  const void* data, size_t bytes, const QuantParams* quant = nullptr);
  template <typename T>
  int AddConstant(const std::string& name, qfm::DType dtype, const std::vector<int>& shape,
                  const std::vector<T>& values, const QuantParams* quant = nullptr) {
    return AddConstant(name, dtype, shape, values.data(), values.size() * sizeof(T), quant);
  }
  // `options` is one of the qfm::*OptionsT tables, or none.
  void AddOperator(qfm::OpType type, const std::vector<int>& inputs, const std::vector<int>& outputs,
                   qfm::OptionsUnion options = {});
  void SetInputs(const std::vector<int>& inputs) { model_.inputs = inputs; }
  void SetOutputs(const std::vector<int>& outputs) { model_.outputs = outputs; }
  void SetMetadata(const std::string& json) { model_.metadata = json; }
  void SetVersion(uint32_t version) { model_.version = version; }  // tests of old/new files

  const qfm::ModelT& model() const { return model_; }
  qfm::ModelT* mutable_model() { return &model_; }  // for passes over the finished tree (coding)
  std::vector<uint8_t> Serialize() const { return SerializeModel(model_); }

 private:
  int AddTensor(const std::string& name, qfm::DType dtype, const std::vector<int>& shape,
                uint32_t buffer, const QuantParams* quant);
  qfm::ModelT model_;
};

}  // namespace qforge::runtime
