// Small graphs for the tests of the passes that work on weights (pruning, clustering).
#pragma once

#include <cstdint>

#include "graph/builder.h"

namespace qforge::testing {

// x [4, 4, 4] -> conv1 [8, 4, 3, 3] (same padding) -> dense1 [10, 8 * 4 * 4]: two weight tensors,
// 288 and 1280 elements, initialized from `seed`.
inline Graph ConvDenseGraph(uint64_t seed) {
  GraphBuilder b(seed);
  int x = b.Input("x", {4, 4, 4});
  ConvOptions same;
  same.padding = Padding::kSame;
  x = b.Conv2D(x, 8, 3, same);
  x = b.Flatten(x);
  x = b.Dense(x, 10);
  return b.Finish({x}).value();
}

}  // namespace qforge::testing
