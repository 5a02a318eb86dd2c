// Canonical Huffman: exact round trips (empty, one symbol, uniform, skewed, every byte value,
// distributions that force the 15-bit limit), compression within a bit per symbol of the
// entropy, and corrupted streams (short header, cut payload, lengths that are no prefix code,
// impossible counts, flipped bits) answered by an error or a same-length result, never a read
// past the buffer.
#include "runtime/coding/huffman.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace qforge::runtime::coding {
namespace {

std::vector<uint8_t> RoundTrip(const std::vector<uint8_t>& symbols) {
  const std::vector<uint8_t> coded = HuffmanEncode(symbols);
  std::vector<uint8_t> back;
  const std::string error = HuffmanDecode(coded.data(), coded.size(), &back);
  EXPECT_EQ(error, "");
  return back;
}

TEST(Huffman, RoundTrips) {
  std::mt19937 rng(5);
  EXPECT_TRUE(RoundTrip({}).empty());
  EXPECT_EQ(RoundTrip(std::vector<uint8_t>(1000, 42)), std::vector<uint8_t>(1000, 42));
  std::vector<uint8_t> uniform(10000), skewed(10000), every(256 * 3);
  for (auto& s : uniform) s = static_cast<uint8_t>(rng());
  std::geometric_distribution<int> geometric(0.3);
  for (auto& s : skewed) s = static_cast<uint8_t>(std::min(geometric(rng), 255));
  for (size_t i = 0; i < every.size(); ++i) every[i] = static_cast<uint8_t>(i * 7);
  EXPECT_EQ(RoundTrip(uniform), uniform);
  EXPECT_EQ(RoundTrip(skewed), skewed);
  EXPECT_EQ(RoundTrip(every), every);
}

TEST(Huffman, LengthsStayWithin15Bits) {
  // Fibonacci frequencies make an unlimited Huffman code as deep as there are symbols.
  std::vector<uint64_t> counts(30);
  counts[0] = counts[1] = 1;
  for (size_t i = 2; i < counts.size(); ++i) counts[i] = counts[i - 1] + counts[i - 2];
  const std::vector<int> lengths = HuffmanCodeLengths(counts, 15);
  double kraft = 0;
  for (int l : lengths) {
    EXPECT_GE(l, 1);
    EXPECT_LE(l, 15);
    kraft += std::ldexp(1.0, -l);
  }
  EXPECT_LE(kraft, 1.0);
  std::vector<uint8_t> symbols;
  for (size_t s = 0; s < counts.size(); ++s) symbols.insert(symbols.end(), std::min<uint64_t>(counts[s], 3000), static_cast<uint8_t>(s));
  EXPECT_EQ(RoundTrip(symbols), symbols);
}

TEST(Huffman, CompressesToNearTheEntropy) {
  std::mt19937 rng(9);
  std::geometric_distribution<int> geometric(0.25);
  std::vector<uint8_t> symbols(100000);
  std::vector<double> p(256, 0);
  for (auto& s : symbols) {
    s = static_cast<uint8_t>(std::min(geometric(rng), 255));
    p[s] += 1.0 / symbols.size();
  }
  double entropy_bits = 0;
  for (double q : p)
    if (q > 0) entropy_bits -= q * std::log2(q) * symbols.size();
  const int largest = *std::max_element(symbols.begin(), symbols.end());
  const double coded_bits = 8.0 * (HuffmanEncode(symbols).size() - (5 + (largest + 2) / 2));
  EXPECT_GE(coded_bits, entropy_bits);
  EXPECT_LT(coded_bits, entropy_bits + symbols.size());  // Huffman: under a bit per symbol more
}

TEST(Huffman, CorruptStreamsFailCleanly) {
  std::mt19937 rng(3);
  std::vector<uint8_t> symbols(5000);
  std::geometric_distribution<int> geometric(0.2);
  for (auto& s : symbols) s = static_cast<uint8_t>(std::min(geometric(rng), 255));
  const std::vector<uint8_t> coded = HuffmanEncode(symbols);
  const size_t header = 5 + (coded[4] + 2) / 2;  // count, largest symbol, its lengths
  std::vector<uint8_t> out;
  EXPECT_EQ(HuffmanDecode(coded.data(), 3, &out), "coded stream shorter than its header");
  EXPECT_EQ(HuffmanDecode(coded.data(), header - 1, &out), "coded stream shorter than its header");
  EXPECT_NE(HuffmanDecode(coded.data(), coded.size() - 40, &out), "");    // payload cut
  std::vector<uint8_t> bad = coded;
  bad[4] = 255;  // lengths for every byte value announced, not there
  EXPECT_EQ(HuffmanDecode(bad.data(), header + 20, &out), "coded stream shorter than its header");
  bad = coded;
  for (size_t i = 5; i < header; ++i) bad[i] = 0x11;  // every symbol a 1-bit code: no prefix code
  EXPECT_EQ(HuffmanDecode(bad.data(), bad.size(), &out), "code lengths do not form a prefix code");
  bad = coded;
  bad[3] = 0x7F;  // a count far beyond what the bytes can hold
  EXPECT_EQ(HuffmanDecode(bad.data(), bad.size(), &out), "symbol count larger than the stream can hold");
  for (int trial = 0; trial < 200; ++trial) {  // flipped bits anywhere: an error or 5000 symbols
    bad = coded;
    bad[rng() % bad.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    const std::string error = HuffmanDecode(bad.data(), bad.size(), &out);
    if (error.empty()) {
      EXPECT_EQ(out.size(), 5000u);
    }
  }
}

}  // namespace
}  // namespace qforge::runtime::coding
