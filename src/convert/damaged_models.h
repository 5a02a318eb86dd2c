// Test helper: feeds a damaged copy of a model to the loader and the interpreter. It must be
// rejected with a message or load and run (on a zero input; models whose activations would
// take over 16 MiB are only loaded) — never crash; the tests run it on hundreds of
// truncations and byte flips, also under ASan/UBSan.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "runtime/interpreter.h"

namespace qforge::convert {

struct DamageOutcome {
  int rejected = 0, ran = 0;
};

inline void TryDamagedModel(const std::vector<uint8_t>& damaged, int batch, DamageOutcome* outcome) {
  auto model = runtime::Model::FromBytes(damaged.data(), damaged.size(), "damaged.qfm");
  if (!model.ok()) {
    EXPECT_FALSE(model.status().message().empty());
    ++outcome->rejected;
    return;
  }
  auto it = runtime::Interpreter::Create(*model, {batch});
  if (!it.ok()) {
    EXPECT_FALSE(it.status().message().empty());
    ++outcome->rejected;
    return;
  }
  ++outcome->ran;
  // A flipped dimension can make a valid model with gigabytes of activations: loading it was
  // the test; running it would only measure page zeroing.
  if ((*it)->arena_stats().peak_bytes > (int64_t{16} << 20)) return;
  const runtime::RuntimeTensor& in = (*it)->input(0);
  const std::vector<uint8_t> zeros(static_cast<size_t>(in.bytes), 0);
  EXPECT_TRUE((*it)->SetInput(0, zeros.data(), in.bytes).ok());
  EXPECT_TRUE((*it)->Invoke().ok());
}

}  // namespace qforge::convert
