// Coded buffers: streams to symbols, then symbols to bytes (dense or sparse).
#include "runtime/coding/coded_bytes.h"

#include <cstring>
#include <string>

#include "runtime/coding/bit_packing.h"
#include "runtime/coding/huffman.h"

namespace qforge::runtime::coding {
namespace {

Status Bad(const std::string& detail) { return Status(StatusCode::kDataLoss, detail); }

}  // namespace

Status DecodeStream(const qfm::CodedStream& stream, std::vector<uint8_t>* symbols) {
  const int bits = stream.bits();
  if (bits < 1 || bits > 8) return Bad("a stream has " + std::to_string(bits) + "-bit symbols (1..8 allowed)");
  const size_t count = stream.count();
  const uint8_t* data = stream.data() ? stream.data()->data() : nullptr;
  const size_t size = stream.data() ? stream.data()->size() : 0;
  switch (stream.coding()) {
    case qfm::StreamCoding::PACKED:
      if (size != PackedBytes(count, bits))
        return Bad("a packed stream of " + std::to_string(count) + " " + std::to_string(bits) + "-bit symbols holds " +
                   std::to_string(size) + " bytes");
      symbols->resize(count);
      UnpackBits(data, count, bits, symbols->data());
      return Status::Ok();  // packed symbols cannot exceed their width
    case qfm::StreamCoding::HUFFMAN: {
      const std::string error = HuffmanDecode(data, size, symbols);
      if (!error.empty()) return Bad("Huffman stream: " + error);
      if (symbols->size() != count)
        return Bad("a Huffman stream holds " + std::to_string(symbols->size()) + " symbols, " + std::to_string(count) +
                   " expected");
      for (uint8_t s : *symbols)
        if (s >> bits) return Bad("a Huffman stream has a symbol wider than " + std::to_string(bits) + " bits");
      return Status::Ok();
    }
  }
  return Bad("unknown stream coding " + std::to_string(static_cast<int>(stream.coding())));
}

CodedParts CodedPartSizes(const qfm::CodedBytes& c) {
  CodedParts p;
  p.codebook = c.codebook() ? c.codebook()->size() : 0;
  p.indices = c.indices() && c.indices()->data() ? c.indices()->data()->size() : 0;
  p.gaps = c.gaps() && c.gaps()->data() ? c.gaps()->data()->size() : 0;
  return p;
}

Status CheckDecodedSize(const qfm::CodedBytes& coded) {
  const size_t payload = CodedPartSizes(coded).total();
  if (coded.size() > 4096 * (payload + 16))
    return Bad("declares " + std::to_string(coded.size()) + " bytes from " + std::to_string(payload) +
               " coded bytes, more than any coding expands to");
  return Status::Ok();
}

Status DecodeCodedBytes(const qfm::CodedBytes& coded, uint8_t* out) {
  const size_t size = coded.size();
  const size_t codebook_size = coded.codebook() ? coded.codebook()->size() : 0;
  if (codebook_size == 0 || codebook_size > 256) return Bad("codebook of " + std::to_string(codebook_size) + " entries");
  if (!coded.indices()) return Bad("no index stream");
  std::vector<uint8_t> indices;
  QF_RETURN_IF_ERROR(DecodeStream(*coded.indices(), &indices));
  for (uint8_t i : indices)
    if (i >= codebook_size) return Bad("an index points past the codebook");
  const uint8_t* book = coded.codebook()->data();
  if (coded.gap_bits() == 0) {  // dense
    if (indices.size() != size)
      return Bad(std::to_string(indices.size()) + " indices for " + std::to_string(size) + " bytes");
    for (size_t i = 0; i < size; ++i) out[i] = book[indices[i]];
    return Status::Ok();
  }
  if (coded.gap_bits() > 8 || !coded.gaps()) return Bad("bad sparse form (gap width or stream missing)");
  std::vector<uint8_t> gaps;
  QF_RETURN_IF_ERROR(DecodeStream(*coded.gaps(), &gaps));
  if (coded.gaps()->bits() != coded.gap_bits()) return Bad("the gap stream's width differs from gap_bits");
  const uint32_t skip_only = (1u << coded.gap_bits()) - 1;
  if (size > 0) std::memset(out, coded.fill(), size);  // `out` may be null for an empty buffer (fuzz_coded_bytes)
  size_t pos = 0, next = 0;
  for (uint8_t g : gaps) {
    pos += g;
    if (g == skip_only) continue;
    if (pos >= size || next >= indices.size()) return Bad("the sparse positions run past the buffer or the indices");
    out[pos++] = book[indices[next++]];
  }
  if (pos > size) return Bad("the sparse positions run past the buffer");
  if (next != indices.size()) return Bad("more indices than sparse positions");
  return Status::Ok();
}

}  // namespace qforge::runtime::coding
