// Compression: unpack, code the constant buffers, pack, verify by decoding.
#include "convert/compress.h"

#include <cstring>
#include <memory>

#include "runtime/model/model_writer.h"

namespace qforge::convert {

StatusOr<CompressResult> CompressQfm(const runtime::Model& model, const CodingOptions& options) {
  const qfm::Model& flat = model.flat();
  std::unique_ptr<qfm::ModelT> m(flat.UnPack());
  const size_t num_buffers = m->buffers.size();
  std::vector<bool> used(num_buffers, false);
  for (const auto& t : m->tensors) used[t->buffer] = true;
  CompressResult result;
  for (uint32_t i = 1; i < num_buffers; ++i) {
    qfm::BufferT& b = *m->buffers[i];
    const uint8_t* raw = model.buffer_data(i);
    b.data.assign(raw, raw + model.buffer_size(i));  // a coded input buffer, decoded
    b.coded.reset();
    if (used[i] && CodeIfSmaller(&b, options)) ++result.coded_buffers;
  }
  m->version = result.coded_buffers > 0 ? runtime::kQfmCodedVersion : runtime::kQfmVersion;
  result.bytes = runtime::SerializeModel(*m);

  QF_ASSIGN_OR_RETURN(const std::shared_ptr<const runtime::Model> check,
                      runtime::Model::FromBytes(result.bytes.data(), result.bytes.size(), "the compressed model"));
  for (uint32_t i = 0; i < num_buffers; ++i)
    if (check->buffer_size(i) != model.buffer_size(i) ||
        (model.buffer_size(i) && std::memcmp(check->buffer_data(i), model.buffer_data(i), model.buffer_size(i)) != 0))
      return InternalError("compressed buffer {} does not decode to the original", i);
  return result;
}

}  // namespace qforge::convert
