// Weight coding: codebook, dense or sparse index streams, packed or Huffman streams.
#include "convert/weight_coding.h"

#include <algorithm>
#include <array>
#include <memory>

#include "runtime/coding/bit_packing.h"
#include "runtime/coding/huffman.h"
#include "runtime/model/model.h"

namespace qforge::convert {
namespace {

std::unique_ptr<qfm::CodedStreamT> CodeStream(const std::vector<uint8_t>& symbols, int bits, bool huffman) {
  auto s = std::make_unique<qfm::CodedStreamT>();
  s->bits = static_cast<uint8_t>(bits);
  s->count = static_cast<uint32_t>(symbols.size());
  s->coding = qfm::StreamCoding::PACKED;
  s->data = runtime::coding::PackBits(symbols, bits);
  if (huffman) {
    std::vector<uint8_t> h = runtime::coding::HuffmanEncode(symbols);
    if (h.size() < s->data.size()) {
      s->coding = qfm::StreamCoding::HUFFMAN;
      s->data = std::move(h);
    }
  }
  return s;
}

// The distinct values of `bytes` other than `skip` (-1: none), in ascending signed order, and
// each byte value's index among them.
std::vector<uint8_t> Codebook(const std::array<size_t, 256>& counts, int skip, std::array<uint8_t, 256>* index) {
  std::vector<uint8_t> book;
  for (int v = -128; v < 128; ++v) {
    const auto b = static_cast<uint8_t>(v);
    if (counts[b] == 0 || b == skip) continue;
    (*index)[b] = static_cast<uint8_t>(book.size());
    book.push_back(b);
  }
  return book;
}

qfm::CodedBytesT Dense(const std::vector<uint8_t>& bytes, const std::array<size_t, 256>& counts, bool huffman) {
  qfm::CodedBytesT c;
  std::array<uint8_t, 256> index{};
  c.size = static_cast<uint32_t>(bytes.size());
  c.codebook = Codebook(counts, -1, &index);
  std::vector<uint8_t> indices(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) indices[i] = index[bytes[i]];
  c.indices = CodeStream(indices, IndexBits(c.codebook.size()), huffman);
  return c;
}

// The sparse form without its gaps: the bytes other than `fill`, as indices into their codebook.
qfm::CodedBytesT SparseIndices(const std::vector<uint8_t>& bytes, const std::array<size_t, 256>& counts, uint8_t fill,
                               bool huffman) {
  qfm::CodedBytesT c;
  std::array<uint8_t, 256> index{};
  c.size = static_cast<uint32_t>(bytes.size());
  c.fill = fill;
  c.codebook = Codebook(counts, fill, &index);
  if (c.codebook.empty()) c.codebook.push_back(fill);  // nothing stored, but a codebook is required
  std::vector<uint8_t> indices;
  for (uint8_t b : bytes)
    if (b != fill) indices.push_back(index[b]);
  c.indices = CodeStream(indices, IndexBits(c.codebook.size()), huffman);
  return c;
}

// The fill bytes before each other byte, with the skip symbol 2^gap_bits - 1 for longer runs.
std::vector<uint8_t> Gaps(const std::vector<uint8_t>& bytes, uint8_t fill, int gap_bits) {
  const size_t skip_only = (size_t{1} << gap_bits) - 1;
  std::vector<uint8_t> gaps;
  size_t gap = 0;
  for (uint8_t b : bytes) {
    if (b == fill) {
      ++gap;
      continue;
    }
    for (; gap >= skip_only; gap -= skip_only) gaps.push_back(static_cast<uint8_t>(skip_only));
    gaps.push_back(static_cast<uint8_t>(gap));
    gap = 0;
  }
  return gaps;
}

}  // namespace

int PackSubByteWeights(qfm::ModelT* model) {
  std::vector<int> sub_byte(model->buffers.size(), 0);  // per buffer: tensors on such grids, -1 any other
  for (const auto& t : model->tensors) {
    const bool packable = t->dtype == qfm::DType::INT8 && t->quantization && t->quantization->bits >= 1 &&
                          t->quantization->bits <= 4;
    int& state = sub_byte[t->buffer];
    state = packable && state >= 0 ? state + 1 : -1;
  }
  int packed = 0;
  for (size_t i = 1; i < model->buffers.size(); ++i) {
    qfm::BufferT& b = *model->buffers[i];
    if (sub_byte[i] <= 0 || b.coded || b.data.empty()) continue;
    auto coded = std::make_unique<qfm::CodedBytesT>(CodeBytes(b.data, CodingOptions{false, false}));
    if (coded->indices->bits > 4) continue;  // more than 16 values: not on such a grid after all
    b.coded = std::move(coded);
    b.data.clear();
    ++packed;
  }
  if (packed == 0) return 0;
  model->version = std::max(model->version, runtime::kQfmCodedVersion);
  for (size_t i = 1; i < model->buffers.size(); ++i)
    if (sub_byte[i] != 0 && !model->buffers[i]->coded) CodeIfSmaller(model->buffers[i].get(), CodingOptions{});
  return packed;
}

bool CodeIfSmaller(qfm::BufferT* buffer, const CodingOptions& options) {
  if (buffer->coded || buffer->data.empty()) return false;
  auto coded = std::make_unique<qfm::CodedBytesT>(CodeBytes(buffer->data, options));
  if (CodedFileBytes(*coded) >= buffer->data.size()) return false;
  buffer->coded = std::move(coded);
  buffer->data.clear();
  return true;
}

int IndexBits(size_t k) {
  int bits = 1;
  while ((size_t{1} << bits) < k) ++bits;
  return bits;
}

size_t CodedPayloadBytes(const qfm::CodedBytesT& c) {
  return c.codebook.size() + (c.indices ? c.indices->data.size() : 0) + (c.gaps ? c.gaps->data.size() : 0);
}

size_t CodedFileBytes(const qfm::CodedBytesT& c) {
  flatbuffers::FlatBufferBuilder builder(CodedPayloadBytes(c) + 256);
  builder.Finish(qfm::CodedBytes::Pack(builder, &c));
  return builder.GetSize();
}

qfm::CodedBytesT CodeBytes(const std::vector<uint8_t>& bytes, const CodingOptions& o) {
  std::array<size_t, 256> counts{};
  for (uint8_t b : bytes) ++counts[b];
  qfm::CodedBytesT best = Dense(bytes, counts, o.huffman);
  if (!o.sparse || bytes.empty()) return best;
  const auto fill = static_cast<uint8_t>(std::max_element(counts.begin(), counts.end()) - counts.begin());
  // The index stream is the same for every gap width: coded once, the gaps once per width.
  qfm::CodedBytesT sparse = SparseIndices(bytes, counts, fill, o.huffman);
  size_t best_bytes = CodedFileBytes(best);
  for (int gap_bits = 1; gap_bits <= 8; ++gap_bits) {
    sparse.gap_bits = static_cast<uint8_t>(gap_bits);
    sparse.gaps = CodeStream(Gaps(bytes, fill, gap_bits), gap_bits, o.huffman);
    if (const size_t candidate = CodedFileBytes(sparse); candidate < best_bytes) {
      best = sparse;
      best_bytes = candidate;
    }
  }
  return best;
}

}  // namespace qforge::convert
