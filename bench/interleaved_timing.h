// Timing helpers of the interleaved kernel benchmarks (sparse_gemm_bench, w4_gemm_bench): the
// mean seconds of `reps` calls, the median of several such measurements, and two functions
// measured in alternating rounds.
#pragma once

#include <algorithm>
#include <chrono>
#include <utility>
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

// Median seconds per call of a and of b over `rounds` alternating measurements of about
// `seconds` each (the calls per measurement sized from `probe_calls` calls of a).
template <typename A, typename B>
std::pair<double, double> InterleavedMedians(A&& a, B&& b, int rounds, double seconds, int probe_calls) {
  const int reps = std::max(1, static_cast<int>(seconds / std::max(1e-7, Seconds(a, probe_calls))));
  std::vector<double> a_seconds, b_seconds;
  for (int r = 0; r < rounds; ++r) {
    a_seconds.push_back(Seconds(a, reps));
    b_seconds.push_back(Seconds(b, reps));
  }
  return {Median(a_seconds), Median(b_seconds)};
}

}  // namespace qforge::bench
