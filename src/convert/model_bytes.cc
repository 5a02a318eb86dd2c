// Bytes by part of a loaded .qfm model.
#include "convert/model_bytes.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "runtime/coding/coded_bytes.h"

namespace qforge::convert {

ModelBytes MeasureModelBytes(const runtime::Model& model) {
  const qfm::Model& m = model.flat();
  std::vector<int> role(m.tensors()->size(), 0);  // 1 weights, 2 bias
  for (const qfm::Operator* op : *m.operators()) {
    const bool weighted = op->type() == qfm::OpType::CONV_2D || op->type() == qfm::OpType::DEPTHWISE_CONV_2D ||
                          op->type() == qfm::OpType::FULLY_CONNECTED;
    if (!weighted) continue;
    for (uint32_t k = 1; k < std::min<uint32_t>(op->inputs()->size(), 3); ++k)
      if (op->inputs()->Get(k) >= 0) role[op->inputs()->Get(k)] = static_cast<int>(k);
  }
  ModelBytes b;
  std::vector<bool> counted(m.buffers()->size(), false);  // a buffer shared by tensors counts once
  for (uint32_t i = 0; i < m.tensors()->size(); ++i) {
    const qfm::Tensor* t = m.tensors()->Get(i);
    if (t->buffer() == 0) continue;
    int64_t elements = 1;
    for (int32_t d : *t->shape()) elements *= d;
    b.parameters += elements;
    if (counted[t->buffer()]) continue;
    counted[t->buffer()] = true;
    const qfm::Buffer* buffer = m.buffers()->Get(t->buffer());
    if (const qfm::CodedBytes* c = buffer->coded()) {
      const runtime::coding::CodedParts parts = runtime::coding::CodedPartSizes(*c);
      b.codebooks += static_cast<int64_t>(parts.codebook);
      b.indices += static_cast<int64_t>(parts.indices);
      b.sparse_indices += static_cast<int64_t>(parts.gaps);
      continue;
    }
    const int64_t raw = buffer->data() ? buffer->data()->size() : 0;
    (role[i] == 1 ? b.weights : role[i] == 2 ? b.biases : b.other_constants) += raw;
  }
  b.metadata = m.metadata() ? m.metadata()->size() : 0;
  b.total = static_cast<int64_t>(model.size_bytes());
  b.structure = b.total - b.codebooks - b.indices - b.sparse_indices - b.weights - b.biases - b.other_constants -
                b.metadata;
  return b;
}

nlohmann::json ToJson(const ModelBytes& b) {
  return {{"codebooks", b.codebooks},
          {"indices", b.indices},
          {"sparse_indices", b.sparse_indices},
          {"weights", b.weights},
          {"biases", b.biases},
          {"other_constants", b.other_constants},
          {"metadata", b.metadata},
          {"structure", b.structure},
          {"total", b.total},
          {"parameters", b.parameters},
          {"float32_bytes", b.float32_bytes()},
          {"compression_ratio", b.compression_ratio()}};
}

std::string PartsText(const ModelBytes& b) {
  return fmt::format(
      "codebooks {}, indices {}, sparse indices {}, raw weights {}, biases {}, other constants {}, metadata {}, "
      "structure {}",
      b.codebooks, b.indices, b.sparse_indices, b.weights, b.biases, b.other_constants, b.metadata, b.structure);
}

}  // namespace qforge::convert
