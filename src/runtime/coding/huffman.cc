// Canonical Huffman: code lengths (frequencies halved until the longest fits 15 bits), codes
// assigned in (length, symbol) order, table decoding.
#include "runtime/coding/huffman.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <queue>

namespace qforge::runtime::coding {
namespace {

constexpr int kMaxBits = 15;
constexpr size_t kFixedHeaderBytes = 4 + 1;  // count, largest symbol

// Canonical codes from lengths: increasing within each length, lengths in increasing order.
std::vector<uint32_t> CanonicalCodes(const std::vector<int>& lengths) {
  int count[kMaxBits + 1] = {};
  for (int l : lengths) count[l]++;
  count[0] = 0;
  uint32_t next[kMaxBits + 2] = {};
  uint32_t code = 0;
  for (int l = 1; l <= kMaxBits; ++l) {
    code = (code + count[l - 1]) << 1;
    next[l] = code;
  }
  std::vector<uint32_t> codes(lengths.size(), 0);
  for (size_t s = 0; s < lengths.size(); ++s)
    if (lengths[s] > 0) codes[s] = next[lengths[s]]++;
  return codes;
}

}  // namespace

std::vector<int> HuffmanCodeLengths(const std::vector<uint64_t>& counts, int max_length) {
  std::vector<uint64_t> c = counts;
  std::vector<int> lengths(c.size(), 0);
  for (;;) {
    std::vector<int> used;
    for (size_t s = 0; s < c.size(); ++s)
      if (c[s] > 0) used.push_back(static_cast<int>(s));
    std::fill(lengths.begin(), lengths.end(), 0);
    if (used.empty()) return lengths;
    if (used.size() == 1) {  // one symbol still needs a 1-bit code
      lengths[used[0]] = 1;
      return lengths;
    }
    // Nodes: leaves 0..n-1, internal after; parent links give each leaf's depth.
    std::vector<int> parent(2 * used.size(), -1);
    using Item = std::pair<uint64_t, int>;  // (weight, node), ties by node index
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
    for (size_t i = 0; i < used.size(); ++i) queue.push({c[used[i]], static_cast<int>(i)});
    int next = static_cast<int>(used.size());
    while (queue.size() > 1) {
      const Item a = queue.top();
      queue.pop();
      const Item b = queue.top();
      queue.pop();
      parent[a.second] = parent[b.second] = next;
      queue.push({a.first + b.first, next++});
    }
    int longest = 0;
    for (size_t i = 0; i < used.size(); ++i) {
      int depth = 0;
      for (int n = static_cast<int>(i); parent[n] >= 0; n = parent[n]) ++depth;
      lengths[used[i]] = depth;
      longest = std::max(longest, depth);
    }
    if (longest <= max_length) return lengths;
    for (uint64_t& x : c)
      if (x > 0) x = std::max<uint64_t>(1, x / 2);  // flatten the distribution and retry
  }
}

std::vector<uint8_t> HuffmanEncode(const std::vector<uint8_t>& symbols) {
  std::vector<uint64_t> counts(256, 0);
  for (uint8_t s : symbols) ++counts[s];
  const std::vector<int> lengths = HuffmanCodeLengths(counts, kMaxBits);
  const std::vector<uint32_t> codes = CanonicalCodes(lengths);
  int largest = 0;
  for (int s = 0; s < 256; ++s)
    if (counts[s] > 0) largest = s;
  std::vector<uint8_t> out(kFixedHeaderBytes + (largest + 2) / 2, 0);
  const auto n = static_cast<uint32_t>(symbols.size());
  for (int b = 0; b < 4; ++b) out[b] = static_cast<uint8_t>(n >> (8 * b));
  out[4] = static_cast<uint8_t>(largest);
  for (int s = 0; s <= largest; ++s)
    out[kFixedHeaderBytes + s / 2] |= static_cast<uint8_t>(lengths[s] << (s % 2 ? 4 : 0));
  uint64_t buffer = 0;
  int bits = 0;
  for (uint8_t s : symbols) {
    buffer = (buffer << lengths[s]) | codes[s];
    bits += lengths[s];
    while (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(buffer >> bits));
    }
  }
  if (bits > 0) out.push_back(static_cast<uint8_t>(buffer << (8 - bits)));
  return out;
}

std::string HuffmanDecode(const uint8_t* data, size_t size, std::vector<uint8_t>* symbols) {
  if (size < kFixedHeaderBytes) return "coded stream shorter than its header";
  uint32_t n = 0;
  for (int b = 0; b < 4; ++b) n |= static_cast<uint32_t>(data[b]) << (8 * b);
  const int largest = data[4];
  const size_t header = kFixedHeaderBytes + (largest + 2) / 2;
  if (size < header) return "coded stream shorter than its header";
  std::vector<int> lengths(256, 0);
  for (int s = 0; s <= largest; ++s) lengths[s] = (data[kFixedHeaderBytes + s / 2] >> (s % 2 ? 4 : 0)) & 0xF;
  // The lengths must form a prefix code (Kraft sum <= 1; a lone symbol has a 1-bit code).
  uint64_t kraft = 0;
  int present = 0;
  for (int l : lengths)
    if (l > 0) {
      kraft += uint64_t{1} << (kMaxBits - l);
      ++present;
    }
  if (kraft > (uint64_t{1} << kMaxBits)) return "code lengths do not form a prefix code";
  if (n > 0 && present == 0) return "symbols but no codes";
  // Each symbol takes at least one bit: a count the payload cannot hold is corrupt (and would
  // otherwise ask for a huge allocation).
  const size_t payload = size - header;
  if (n > payload * 8) return "symbol count larger than the stream can hold";
  // Table: the next `width` bits (the longest code's length) -> (symbol, length); 0 length
  // marks a prefix no code starts. Short codes keep the table small and quick to build.
  const std::vector<uint32_t> codes = CanonicalCodes(lengths);
  const int width = std::max(1, *std::max_element(lengths.begin(), lengths.end()));
  std::vector<uint16_t> table(size_t{1} << width, 0);
  for (int s = 0; s < 256; ++s) {
    if (lengths[s] == 0) continue;
    const uint32_t first = codes[s] << (width - lengths[s]), span = uint32_t{1} << (width - lengths[s]);
    for (uint32_t i = 0; i < span; ++i) table[first + i] = static_cast<uint16_t>(s | (lengths[s] << 8));
  }
  symbols->assign(n, 0);
  const uint8_t* in = data + header;
  uint64_t buffer = 0;
  int bits = 0;
  size_t read = 0;
  for (uint32_t i = 0; i < n; ++i) {
    while (bits <= 56 && read < payload) {  // refill (zero bits past the end)
      buffer |= static_cast<uint64_t>(in[read++]) << (56 - bits);
      bits += 8;
    }
    const uint16_t entry = table[buffer >> (64 - width)];
    const int length = entry >> 8;
    if (length == 0 || length > bits) return "coded stream ends early or holds an invalid code";
    (*symbols)[i] = static_cast<uint8_t>(entry & 0xFF);
    buffer <<= length;
    bits -= length;
  }
  return "";
}

}  // namespace qforge::runtime::coding
