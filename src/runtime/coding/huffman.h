// Canonical Huffman coding of byte streams, the entropy coder of compressed weights (Deep
// Compression's last stage): codes limited to 15 bits, stored as one 4-bit length per symbol,
// decoded by a table of 2^(longest code) entries (one lookup per symbol). Decoding validates
// everything it reads — lengths that do not form a prefix code, a stream that ends early,
// symbols beyond the stated count — and fails with a message instead of reading past the
// buffer. C++17.
//
// Layout: u32 symbol count (little-endian), u8 L = the largest symbol present (0 if none),
// ceil((L + 1) / 2) bytes of code lengths for symbols 0..L (symbol 2i in the low nibble of byte
// i, 2i + 1 in the high one; 0 = absent), then the codes, most significant bit first, padded
// with zero bits to a whole byte. Small alphabets (5-bit indices) keep a small header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qforge::runtime::coding {

std::vector<uint8_t> HuffmanEncode(const std::vector<uint8_t>& symbols);

// Decodes `size` bytes; on success fills `symbols` and returns "", else an error message.
std::string HuffmanDecode(const uint8_t* data, size_t size, std::vector<uint8_t>* symbols);

// Code lengths (1..15, 0 for unused symbols) of a length-limited Huffman code for `counts`.
std::vector<int> HuffmanCodeLengths(const std::vector<uint64_t>& counts, int max_length = 15);

}  // namespace qforge::runtime::coding
