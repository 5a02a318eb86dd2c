// Decoding a coded constant buffer of a .qfm file (qfm::CodedBytes: codebook, index stream,
// optional sparse gap stream; see qfm.fbs) back to its bytes, as the loader does once per
// buffer. Every count, width and index is checked against the buffer's declared size: a
// corrupted file gives an error, never a read or write out of bounds. C++17.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/model/qfm_generated.h"
#include "qforge/status.h"

namespace qforge::runtime::coding {

// The symbols of one stream (packed or Huffman), each checked to be below 2^bits.
Status DecodeStream(const qfm::CodedStream& stream, std::vector<uint8_t>* symbols);

// Bytes of codebook and streams the buffer holds.
struct CodedParts {
  size_t codebook = 0, indices = 0, gaps = 0;
  size_t total() const { return codebook + indices + gaps; }
};
CodedParts CodedPartSizes(const qfm::CodedBytes& coded);

// Checked before allocating: coded data expands at most 2040x (a 1-bit Huffman symbol per 255
// fill bytes), so a size beyond 4096 x (payload + 16) is corrupt, not a reason to allocate.
Status CheckDecodedSize(const qfm::CodedBytes& coded);

// Writes coded.size() bytes to `out`.
Status DecodeCodedBytes(const qfm::CodedBytes& coded, uint8_t* out);

}  // namespace qforge::runtime::coding
