// Greedy-by-size arena planning: place the largest tensors first, each at the lowest offset
// that does not collide with an already placed tensor whose lifetime overlaps its own.
#include "runtime/arena_planner.h"

#include <algorithm>
#include <numeric>

namespace qforge::runtime {
namespace {

int64_t RoundUp(int64_t bytes, int64_t alignment) { return (bytes + alignment - 1) / alignment * alignment; }

bool Overlap(const TensorLifetime& a, const TensorLifetime& b) {
  return a.first_op <= b.last_op && b.first_op <= a.last_op;
}

}  // namespace

ArenaPlan PlanArena(const std::vector<TensorLifetime>& tensors, int64_t alignment) {
  const size_t n = tensors.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return tensors[a].bytes > tensors[b].bytes; });
  ArenaPlan plan;
  plan.offsets.assign(n, 0);
  std::vector<size_t> placed;
  for (size_t t : order) {
    const int64_t size = RoundUp(tensors[t].bytes, alignment);
    // Byte ranges of placed tensors that are live at the same time, by offset.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t p : placed)
      if (Overlap(tensors[t], tensors[p]))
        busy.emplace_back(plan.offsets[p], plan.offsets[p] + RoundUp(tensors[p].bytes, alignment));
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (begin >= offset + size) break;  // the gap before this range fits
      offset = std::max(offset, end);
    }
    plan.offsets[t] = offset;
    plan.peak_bytes = std::max(plan.peak_bytes, offset + size);
    placed.push_back(t);
  }
  return plan;
}

int64_t LivenessLowerBound(const std::vector<TensorLifetime>& tensors, int64_t alignment) {
  int last = 0;
  for (const TensorLifetime& t : tensors) last = std::max(last, t.last_op);
  int64_t bound = 0;
  for (int op = 0; op <= last; ++op) {
    int64_t live = 0;
    for (const TensorLifetime& t : tensors)
      if (t.first_op <= op && op <= t.last_op) live += RoundUp(t.bytes, alignment);
    bound = std::max(bound, live);
  }
  return bound;
}

}  // namespace qforge::runtime
