// Coding one constant buffer the way Deep Compression stores weights: a codebook of the
// distinct byte values with each byte replaced by its index (ceil(log2 k) bits), and, for a
// sparse buffer, the gaps between the bytes that differ from the most common one (its "fill",
// the zero of pruned weights) instead of their positions. Each of the two symbol streams is
// bit-packed or Huffman-coded, whichever is smaller; of the dense form and the sparse form with
// every gap width 1..8, the one taking the fewest bytes in the file is kept. The runtime's coding::DecodeCodedBytes inverts it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/model/qfm_generated.h"

namespace qforge::convert {

struct CodingOptions {
  bool sparse = true;   // try the sparse form
  bool huffman = true;  // try Huffman coding for each stream
};

qfm::CodedBytesT CodeBytes(const std::vector<uint8_t>& bytes, const CodingOptions& options);

// Bytes a coded buffer's codebook and streams take, and all it adds to a file (with its tables).
size_t CodedPayloadBytes(const qfm::CodedBytesT& coded);
size_t CodedFileBytes(const qfm::CodedBytesT& coded);

// Bits an index into a codebook of k entries takes (at least 1).
int IndexBits(size_t k);

// Replaces a raw buffer by its coded form (CodeBytes) if that takes fewer bytes in the file.
bool CodeIfSmaller(qfm::BufferT* buffer, const CodingOptions& options);

// Stores every constant buffer of an int8 tensor on an n-bit grid of at most 4 bits (weights
// quantized with --weight-bits 2..4) packed: its codebook and one index of at most 4 bits per
// weight — two or more weights per byte — in the coded form the runtime decodes at load. The
// model is then a coded (version 2) file, and its other constant buffers (biases) are coded
// too where that makes them smaller. Returns how many buffers were packed.
int PackSubByteWeights(qfm::ModelT* model);

}  // namespace qforge::convert
