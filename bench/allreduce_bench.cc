// The all-reduce cost model of data-parallel training, measured: the time of a float sum over the
// ranks for message sizes from 4 bytes to 64 MB (median of repeats, through qforge's own
// communicator), and the least-squares fit t(bytes) = latency + bytes / bandwidth that
// docs/distributed.md projects to more nodes. Run under mpirun:
//   mpirun -np 2 build/bench/allreduce_bench
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "distributed/communicator.h"

int main() {
  using Clock = std::chrono::steady_clock;
  auto started = qforge::distributed::StartCommunicator({.distributed = true, .timeout_seconds = 60});
  if (!started.ok()) {
    std::fprintf(stderr, "allreduce_bench: %s\n", started.status().message().c_str());
    return 1;
  }
  qforge::distributed::Communicator& comm = **started;
  std::vector<double> sizes, seconds;
  if (comm.is_root()) fmt::print("ranks {}\n{:>12} {:>12} {:>10}\n", comm.size(), "bytes", "median us", "GB/s");
  std::vector<int64_t> counts;
  for (int64_t count = 1; count <= (int64_t{16} << 20); count *= 4) counts.push_back(count);
  counts.push_back(int64_t{25} << 18);  // 25 MB: the default gradient bucket
  std::sort(counts.begin(), counts.end());
  for (const int64_t count : counts) {
    std::vector<float> data(static_cast<size_t>(count), 1.0f);
    const int repeats = count <= 65536 ? 200 : count <= (1 << 20) ? 30 : 8;
    std::vector<double> times;
    for (int r = 0; r < repeats + 2; ++r) {
      double barrier = 0;
      comm.Sum(&barrier, 1);  // start together
      const auto start = Clock::now();
      comm.Sum(data.data(), count);
      if (r >= 2) times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    double median = times[times.size() / 2];
    comm.Sum(&median, 1);  // the ranks' mean of medians, the same on all
    median /= comm.size();
    const double bytes = 4.0 * static_cast<double>(count);
    sizes.push_back(bytes);
    seconds.push_back(median);
    if (comm.is_root()) fmt::print("{:>12.0f} {:>12.1f} {:>10.2f}\n", bytes, median * 1e6, bytes / median / 1e9);
  }
  // Least squares for t = a + b * bytes in relative terms (each point weighted 1 / t^2), so
  // the small messages fix the latency and the large ones the bandwidth.
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const double w = 1.0 / (seconds[i] * seconds[i]);
    sw += w, sx += w * sizes[i], sy += w * seconds[i], sxx += w * sizes[i] * sizes[i], sxy += w * sizes[i] * seconds[i];
  }
  const double b = (sw * sxy - sx * sy) / (sw * sxx - sx * sx), a = (sy - b * sx) / sw;
  if (comm.is_root())
    fmt::print("fit: latency {:.1f} us, bandwidth {:.2f} GB/s (t = latency + bytes / bandwidth)\n", a * 1e6, 1.0 / b / 1e9);
  return 0;
}
