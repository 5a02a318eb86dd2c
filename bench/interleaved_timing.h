// Timing helpers of the interleaved kernel benchmarks (sparse_gemm_bench, w4_gemm_bench): the
// mean seconds of `reps` calls, and the median of several such measurements.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace qforge::bench {

template <typename Fn>
double Seconds(Fn&& fn, int reps) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / reps;
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace qforge::bench
