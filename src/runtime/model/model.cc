// .qfm loading: mmap, FlatBuffers verification, semantic checks.
#include "runtime/model/model.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>

#include "runtime/coding/coded_bytes.h"
#include "runtime/model/alignment.h"

namespace qforge::runtime {
namespace {

Status Corrupt(const std::string& what, const std::string& detail) {
  return Status(StatusCode::kDataLoss, what + ": " + detail);
}

std::string TensorLabel(const qfm::Model& m, uint32_t i) {
  const auto* t = m.tensors()->Get(i);
  return "tensor " + std::to_string(i) + (t->name() ? " ('" + t->name()->str() + "')" : "");
}

bool ZeroPointFits(qfm::DType type, int64_t zp) {
  switch (type) {
    case qfm::DType::INT8: return zp >= -128 && zp <= 127;
    case qfm::DType::INT16: return zp == 0;  // 16x8 mode: symmetric
    case qfm::DType::INT32:
    case qfm::DType::INT64: return zp == 0;  // biases
    default: return zp == 0;
  }
}

Status CheckTensor(const qfm::Model& m, uint32_t i, const std::string& what) {
  const qfm::Tensor* t = m.tensors()->Get(i);
  const std::string label = TensorLabel(m, i);
  if (DTypeSize(t->dtype()) == 0) return Corrupt(what, label + " has an unknown type");
  if (!t->shape() || t->shape()->size() > 6) return Corrupt(what, label + " has no shape or rank > 6");
  int64_t count = 1;
  for (int32_t d : *t->shape()) {
    if (d < 1) return Corrupt(what, label + " has a dimension < 1");
    count *= d;
    if (count > (int64_t{1} << 31)) return Corrupt(what, label + " is too large");
  }
  if (t->buffer() >= m.buffers()->size()) return Corrupt(what, label + " refers to a missing buffer");
  if (t->buffer() != 0) {
    const qfm::Buffer* b = m.buffers()->Get(t->buffer());
    const int64_t want = count * DTypeSize(t->dtype());
    const int64_t have = b->coded() ? b->coded()->size() : b->data() ? static_cast<int64_t>(b->data()->size()) : 0;
    if (have != want)
      return Corrupt(what, label + " holds " + std::to_string(have) + " bytes, its shape needs " +
                               std::to_string(want));
    // The kernels read elements in place (writers align buffers to 16 bytes; the file's bytes
    // start 16-aligned, mmap'ed or copied into new[]'d memory).
    if (!b->coded() && b->data() && !IsAligned(b->data()->data(), DTypeSize(t->dtype())))
      return Corrupt(what, label + "'s buffer is not aligned to its element size");
  }
  if (const qfm::Quantization* q = t->quantization()) {
    if (!q->scale() || !q->zero_point() || q->scale()->size() == 0 ||
        (q->zero_point()->size() != q->scale()->size() && q->zero_point()->size() != 1))
      return Corrupt(what, label + " has mismatched quantization scales and zero points");
    // 64-bit zero points are read in place.
    if (!IsAligned(q->zero_point()->data(), alignof(int64_t)) || !IsAligned(q->scale()->data(), alignof(float)))
      return Corrupt(what, label + "'s quantization parameters are not aligned");
    if (q->bits() != 0 && (q->bits() < 2 || q->bits() > 8 * DTypeSize(t->dtype())))
      return Corrupt(what, label + " has an impossible bit width " + std::to_string(q->bits()));
    const uint32_t n = q->scale()->size();
    if (n > 1) {
      const int axis = q->quantized_dimension();
      if (axis < 0 || axis >= static_cast<int>(t->shape()->size()) || t->shape()->Get(axis) != static_cast<int32_t>(n))
        return Corrupt(what, label + " has per-channel parameters that do not match its shape");
    }
    for (uint32_t k = 0; k < n; ++k) {
      const float s = q->scale()->Get(k);
      if (!std::isfinite(s) || !(s > 0.0f)) return Corrupt(what, label + " has a non-positive or non-finite scale");
      if (!ZeroPointFits(t->dtype(), q->zero_point()->Get(q->zero_point()->size() == 1 ? 0 : k)))
        return Corrupt(what, label + " has a zero point outside its type's range");
    }
  }
  return Status::Ok();
}

qfm::Options ExpectedOptions(qfm::OpType type) {
  switch (type) {
    case qfm::OpType::CONV_2D:
    case qfm::OpType::DEPTHWISE_CONV_2D: return qfm::Options::Conv2DOptions;
    case qfm::OpType::MAX_POOL_2D:
    case qfm::OpType::AVERAGE_POOL_2D: return qfm::Options::Pool2DOptions;
    case qfm::OpType::FULLY_CONNECTED: return qfm::Options::FullyConnectedOptions;
    case qfm::OpType::ADD: return qfm::Options::AddOptions;
    case qfm::OpType::CONCATENATION: return qfm::Options::ConcatenationOptions;
    case qfm::OpType::SOFTMAX: return qfm::Options::SoftmaxOptions;
    case qfm::OpType::MUL: return qfm::Options::MulOptions;
    case qfm::OpType::CHANNEL_SHUFFLE: return qfm::Options::ChannelShuffleOptions;
    case qfm::OpType::SLICE: return qfm::Options::SliceOptions;
    case qfm::OpType::CLIP: return qfm::Options::ClipOptions;
    case qfm::OpType::RESIZE: return qfm::Options::ResizeOptions;
    case qfm::OpType::INSERT_ZEROS: return qfm::Options::InsertZerosOptions;
    default: return qfm::Options::NONE;
  }
}

Status CheckIndices(const flatbuffers::Vector<int32_t>* v, uint32_t tensors, bool allow_absent,
                    const std::string& what, const std::string& label) {
  if (!v || v->size() == 0) return Corrupt(what, label + " lists no tensors");
  for (int32_t i : *v) {
    if (i == -1 && allow_absent) continue;
    if (i < 0 || static_cast<uint32_t>(i) >= tensors)
      return Corrupt(what, label + " refers to tensor " + std::to_string(i) + ", which does not exist");
  }
  return Status::Ok();
}

Status CheckBuffers(const qfm::Model& m, const std::string& what) {
  const auto* b0 = m.buffers()->Get(0);
  if (b0->coded() || (b0->data() && b0->data()->size() != 0)) return Corrupt(what, "buffer 0 must exist and be empty");
  bool any_coded = false;
  for (uint32_t i = 0; i < m.buffers()->size(); ++i) {
    const qfm::Buffer* b = m.buffers()->Get(i);
    if (!b->coded()) continue;
    any_coded = true;
    if (b->data() && b->data()->size() != 0) return Corrupt(what, "buffer " + std::to_string(i) + " is both raw and coded");
  }
  if (any_coded && m.version() < kQfmCodedVersion)
    return Corrupt(what, "coded buffers in a version " + std::to_string(m.version()) + " file");
  return Status::Ok();
}

Status CheckModel(const qfm::Model& m, const std::string& what) {
  if (m.version() != kQfmVersion && m.version() != kQfmCodedVersion)
    return Corrupt(what, "format version " + std::to_string(m.version()) + " unsupported (this build reads " +
                             std::to_string(kQfmVersion) + " and " + std::to_string(kQfmCodedVersion) + ")");
  if (!m.tensors() || !m.buffers() || !m.operators() || !m.inputs() || !m.outputs())
    return Corrupt(what, "missing tensors, buffers, operators, inputs or outputs");
  if (m.buffers()->size() == 0) return Corrupt(what, "buffer 0 must exist and be empty");
  QF_RETURN_IF_ERROR(CheckBuffers(m, what));
  const uint32_t tensors = m.tensors()->size();
  for (uint32_t i = 0; i < tensors; ++i) QF_RETURN_IF_ERROR(CheckTensor(m, i, what));
  for (uint32_t k = 0; k < m.operators()->size(); ++k) {
    const qfm::Operator* op = m.operators()->Get(k);
    const std::string label = "operator " + std::to_string(k);
    if (op->type() < qfm::OpType::MIN || op->type() > qfm::OpType::MAX)
      return Corrupt(what, label + " has an unknown type");
    if (op->options_type() != ExpectedOptions(op->type()))
      return Corrupt(what, label + " (" + qfm::EnumNameOpType(op->type()) + ") has the wrong options");
    if (op->options_type() != qfm::Options::NONE && !op->options())
      return Corrupt(what, label + " (" + qfm::EnumNameOpType(op->type()) + ") names its options but has none");
    QF_RETURN_IF_ERROR(CheckIndices(op->inputs(), tensors, /*allow_absent=*/true, what, label + " inputs"));
    QF_RETURN_IF_ERROR(CheckIndices(op->outputs(), tensors, /*allow_absent=*/false, what, label + " outputs"));
  }
  QF_RETURN_IF_ERROR(CheckIndices(m.inputs(), tensors, false, what, "model inputs"));
  QF_RETURN_IF_ERROR(CheckIndices(m.outputs(), tensors, false, what, "model outputs"));
  return Status::Ok();
}

}  // namespace

int DTypeSize(qfm::DType type) {
  switch (type) {
    case qfm::DType::FLOAT32: return 4;
    case qfm::DType::INT8: return 1;
    case qfm::DType::INT16: return 2;
    case qfm::DType::INT32: return 4;
    case qfm::DType::INT64: return 8;
    case qfm::DType::FLOAT16: return 2;
  }
  return 0;
}

Model::~Model() {
  if (mapping_) munmap(mapping_, size_);
}

StatusOr<std::shared_ptr<const Model>> Model::Verify(std::unique_ptr<Model> model,
                                                     const std::string& what) {
  if (model->size_ < 8 || !qfm::ModelBufferHasIdentifier(model->data_))
    return Corrupt(what, "not a .qfm model (bad file identifier)");
  flatbuffers::Verifier verifier(model->data_, model->size_, /*max_depth=*/64, /*max_tables=*/1u << 20);
  if (!qfm::VerifyModelBuffer(verifier)) return Corrupt(what, "corrupt or truncated model (structure check failed)");
  model->flat_ = qfm::GetModel(model->data_);
  QF_RETURN_IF_ERROR(CheckModel(*model->flat_, what));
  QF_RETURN_IF_ERROR(model->DecodeBuffers(what));
  return std::shared_ptr<const Model>(std::move(model));
}

// Runs after CheckModel: every coded buffer's declared size matches the tensors using it.
Status Model::DecodeBuffers(const std::string& what) {
  const auto* buffers = flat_->buffers();
  const auto start = std::chrono::steady_clock::now();
  decoded_.resize(buffers->size());
  std::vector<bool> used(buffers->size(), false);  // sizes of used buffers are checked
  for (const qfm::Tensor* t : *flat_->tensors()) used[t->buffer()] = true;
  for (uint32_t i = 0; i < buffers->size(); ++i) {
    const qfm::CodedBytes* coded = buffers->Get(i)->coded();
    if (!coded) continue;
    if (!used[i]) return Corrupt(what, "coded buffer " + std::to_string(i) + " belongs to no tensor");
    Status s = coding::CheckDecodedSize(*coded);
    if (s.ok()) {
      decoded_[i].resize(coded->size());
      s = coding::DecodeCodedBytes(*coded, decoded_[i].data());
    }
    if (!s.ok()) return Corrupt(what, "coded buffer " + std::to_string(i) + ": " + s.message());
    ++decode_stats_.coded_buffers;
    decode_stats_.decoded_bytes += coded->size();
    decode_stats_.coded_bytes += coding::CodedPartSizes(*coded).total();
  }
  decode_stats_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::Ok();
}

const uint8_t* Model::buffer_data(uint32_t index) const {
  if (flat_->buffers()->Get(index)->coded()) return decoded_[index].data();
  const auto* data = flat_->buffers()->Get(index)->data();
  return data ? data->data() : nullptr;
}

size_t Model::buffer_size(uint32_t index) const {
  if (flat_->buffers()->Get(index)->coded()) return decoded_[index].size();
  const auto* data = flat_->buffers()->Get(index)->data();
  return data ? data->size() : 0;
}

StatusOr<std::shared_ptr<const Model>> Model::Load(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return Status(StatusCode::kNotFound, path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status(StatusCode::kInvalidArgument, path + ": not a regular file");
  }
  if (st.st_size < 8) {
    close(fd);
    return Corrupt(path, "too short to be a .qfm model");
  }
  void* mapping = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (mapping == MAP_FAILED) return Status(StatusCode::kInternal, path + ": mmap failed");
  std::unique_ptr<Model> model(new Model());
  model->mapping_ = mapping;
  model->data_ = static_cast<const uint8_t*>(mapping);
  model->size_ = static_cast<size_t>(st.st_size);
  return Verify(std::move(model), path);
}

StatusOr<std::shared_ptr<const Model>> Model::FromBytes(const uint8_t* data, size_t size,
                                                        const std::string& what) {
  std::unique_ptr<Model> model(new Model());
  model->owned_.reset(new uint8_t[size == 0 ? 1 : size]);
  if (size) std::memcpy(model->owned_.get(), data, size);
  model->data_ = model->owned_.get();
  model->size_ = size;
  return Verify(std::move(model), what);
}

}  // namespace qforge::runtime
