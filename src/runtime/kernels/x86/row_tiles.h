// Splitting m rows into register tiles for the x86 GEMM kernels: whole tiles of kMaxRows rows,
// then one tile of exactly the rows left, each height a compile-time constant for the tile code.
#pragma once

#include <type_traits>

namespace qforge::runtime::x86 {

template <int kRows, typename Tile>
inline void RestTile(int rows, int first, Tile& tile) {
  if constexpr (kRows > 0) {
    if (rows == kRows) return tile(std::integral_constant<int, kRows>{}, first);
    RestTile<kRows - 1>(rows, first, tile);
  }
}

// tile(std::integral_constant<int, height>, first_row) for every tile of rows [0, m).
template <int kMaxRows, typename Tile>
inline void ForEachRowTile(int m, Tile&& tile) {
  int r = 0;
  for (; r + kMaxRows <= m; r += kMaxRows) tile(std::integral_constant<int, kMaxRows>{}, r);
  RestTile<kMaxRows - 1>(m - r, r, tile);
}

}  // namespace qforge::runtime::x86
