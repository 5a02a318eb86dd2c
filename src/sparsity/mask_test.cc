// Pruning patterns and masks: pattern names; unstructured, N:M, block and channel masks keep the
// largest weights.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "graph/builder.h"
#include "sparsity/pruner.h"

namespace qforge::sparsity {
namespace {

Tensor RandomTensor(const Shape& shape, uint32_t seed) {
  Tensor t(shape);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t e = 0; e < t.size(); ++e) t[e] = normal(rng);
  return t;
}

TEST(Pattern, ParseAndName) {
  EXPECT_EQ(SparsityPattern::Parse("2:4")->Name(), "2:4");
  EXPECT_EQ(SparsityPattern::Parse("1:8")->Name(), "1:8");
  EXPECT_EQ(SparsityPattern::Parse("block")->Name(), "block:1x4");
  EXPECT_EQ(SparsityPattern::Parse("block:1x8")->Name(), "block:1x8");
  EXPECT_EQ(SparsityPattern::Parse("unstructured")->Name(), "unstructured");
  EXPECT_EQ(SparsityPattern::Parse("channel")->Name(), "channel");
  EXPECT_EQ(SparsityPattern::Parse("channel:16")->Name(), "channel:16");
  for (const char* bad : {"4:2", "0:4", "2:", ":4", "block:1x1", "block:2x4", "block:1x", "dense", "2:100", "channel:",
                          "channel:0", "channel:x", "channel:1000"})
    EXPECT_FALSE(SparsityPattern::Parse(bad).ok()) << bad;
}

TEST(Mask, UnstructuredPrunesTheSmallest) {
  const Tensor w = RandomTensor({32, 16, 3, 3}, 1);
  const SparsityPattern p;
  for (double s : {0.0, 0.5, 0.9, 0.97}) {
    const std::vector<uint8_t> mask = MagnitudeMask(w, p, s);
    int64_t pruned = 0;
    float largest_pruned = 0, smallest_kept = 1e9f;
    for (int64_t e = 0; e < w.size(); ++e) {
      pruned += !mask[e];
      if (mask[e]) smallest_kept = std::min(smallest_kept, std::fabs(w[e]));
      else largest_pruned = std::max(largest_pruned, std::fabs(w[e]));
    }
    EXPECT_EQ(pruned, static_cast<int64_t>(std::floor(s * w.size())));
    if (pruned > 0) {
      EXPECT_LE(largest_pruned, smallest_kept);
    }
  }
}

TEST(Mask, NMKeepsNOfEveryMAlongInputChannels) {
  const Tensor w = RandomTensor({8, 16, 3, 3}, 2);
  for (auto [n, m] : {std::pair{2, 4}, std::pair{1, 4}, std::pair{4, 8}}) {
    SparsityPattern p;
    p.kind = SparsityPattern::Kind::kNM;
    p.n = n;
    p.m = m;
    const std::vector<uint8_t> mask = MagnitudeMask(w, p, /*ignored*/ 0.9);
    // Groups: m consecutive input channels at one output channel and tap.
    for (int o = 0; o < 8; ++o)
      for (int i0 = 0; i0 < 16; i0 += m)
        for (int t = 0; t < 9; ++t) {
          int kept = 0;
          float smallest_kept = 1e9f, largest_pruned = 0;
          for (int j = 0; j < m; ++j) {
            const int64_t e = (o * 16 + i0 + j) * 9 + t;
            kept += mask[e];
            if (mask[e]) smallest_kept = std::min(smallest_kept, std::fabs(w[e]));
            else largest_pruned = std::max(largest_pruned, std::fabs(w[e]));
          }
          ASSERT_EQ(kept, n) << n << ":" << m;
          ASSERT_LE(largest_pruned, smallest_kept);
        }
  }
}

TEST(Mask, BlocksArePrunedWhole) {
  const Tensor w = RandomTensor({64, 128}, 3);  // a dense layer [out, in]
  SparsityPattern p;
  p.kind = SparsityPattern::Kind::kBlock;
  p.block = 4;
  const std::vector<uint8_t> mask = MagnitudeMask(w, p, 0.75);
  int64_t pruned_blocks = 0;
  for (int o = 0; o < 64; ++o)
    for (int i0 = 0; i0 < 128; i0 += 4) {
      int kept = 0;
      for (int j = 0; j < 4; ++j) kept += mask[o * 128 + i0 + j];
      ASSERT_TRUE(kept == 0 || kept == 4);
      pruned_blocks += kept == 0;
    }
  EXPECT_EQ(pruned_blocks, 64 * 32 * 3 / 4);
  EXPECT_EQ(p.Unfit({8, 6, 3, 3}), "its 6 input channels do not split into groups of 4");
  EXPECT_EQ(p.Unfit({8, 16}), "");
}

// Whole filters by mean |w|: the weakest go; channel:M keeps a multiple of M.
TEST(Mask, ChannelsArePrunedWholeWeakestFirst) {
  Tensor w = RandomTensor({40, 8, 3, 3}, 5);
  for (int64_t k = 0; k < 72; ++k) w[7 * 72 + k] *= 0.01f;  // channel 7 is the weakest
  SparsityPattern p;
  p.kind = SparsityPattern::Kind::kChannel;
  for (int multiple : {1, 16}) {
    p.block = multiple;
    const std::vector<uint8_t> mask = MagnitudeMask(w, p, 0.3);
    int pruned = 0;
    for (int o = 0; o < 40; ++o) {
      const int kept = std::accumulate(mask.begin() + o * 72, mask.begin() + (o + 1) * 72, 0);
      ASSERT_TRUE(kept == 0 || kept == 72) << "channel " << o;
      pruned += kept == 0;
    }
    EXPECT_EQ(mask[7 * 72], 0);
    EXPECT_EQ(pruned, multiple == 1 ? 12 : 8) << multiple;  // 28 kept, or 32 = 2 x 16
  }
}

}  // namespace
}  // namespace qforge::sparsity
