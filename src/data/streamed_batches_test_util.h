// Test-only: a streamed training split must give the batches its in-memory twin gives, bit for
// bit, for every augmentation, rank shard and read-ahead setting; a file gone bad stops it.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/dataset.h"

namespace qforge::test_batches {

inline void ExpectStreamedBatchesEqual(const ImageDataset& memory, const ImageDataset& streamed, const Preprocess& pre,
                                       int64_t batch, uint64_t seed, const std::vector<Shard>& shards,
                                       const std::vector<Prefetch>& prefetches) {
  for (const Augment augment : {Augment{}, Augment{.crop_padding = 2, .horizontal_flip = true}})
    for (const Shard shard : shards)
      for (const Prefetch prefetch : prefetches) {
        BatchIterator a(memory, pre, batch, true, seed, augment, shard);
        BatchIterator b(streamed, pre, batch, true, seed, augment, shard, prefetch);
        Tensor xa, xb;
        std::vector<int32_t> la, lb;
        int batches = 0;
        while (a.Next(&xa, &la)) {
          ASSERT_TRUE(b.Next(&xb, &lb)) << b.status().message();
          ASSERT_EQ(xa.shape(), xb.shape());
          for (int64_t i = 0; i < xa.size(); ++i) ASSERT_EQ(xa[i], xb[i]) << "batch " << batches << " value " << i;
          EXPECT_EQ(la, lb);
          ++batches;
        }
        EXPECT_FALSE(b.Next(&xb, &lb));
        EXPECT_TRUE(b.status().ok()) << b.status().message();
        EXPECT_EQ(batches, a.num_batches());
      }
}

// An epoch over `streamed` stops with an error naming `file` (a file that turned bad).
inline void ExpectEpochFailsNaming(const ImageDataset& streamed, const Preprocess& pre, const std::string& file) {
  BatchIterator it(streamed, pre, 4, false, 0);
  Tensor x;
  std::vector<int32_t> labels;
  while (it.Next(&x, &labels)) {}
  ASSERT_FALSE(it.status().ok());
  EXPECT_NE(it.status().message().find(file), std::string::npos) << it.status().message();
}

}  // namespace qforge::test_batches
