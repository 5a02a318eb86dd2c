// Magnitude masks.
#include "sparsity/mask.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qforge::sparsity {
namespace {

// Elements of `w` in groups: group g holds the weights at (o, i0 + j, tap) for j < size, with
// out/in/taps from the shape; `fn(group, element_index)` for each.
struct Groups {
  int64_t out = 1, in = 1, taps = 1, size = 1;
  int64_t count() const { return out * (in / size) * taps; }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    int64_t g = 0;
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i0 = 0; i0 < in; i0 += size)
        for (int64_t t = 0; t < taps; ++t, ++g)
          for (int64_t j = 0; j < size; ++j) fn(g, (o * in + i0 + j) * taps + t);
  }
};

Groups GroupsOf(const Shape& shape, int64_t size) {
  Groups g;
  g.out = shape.size() > 0 ? shape[0] : 1;
  g.in = shape.size() > 1 ? shape[1] : 1;
  for (size_t d = 2; d < shape.size(); ++d) g.taps *= shape[d];
  g.size = size;
  return g;
}

// Indices of `scores` sorted by increasing score (ties by index).
std::vector<int64_t> Ascending(const std::vector<double>& scores) {
  std::vector<int64_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return scores[a] < scores[b]; });
  return order;
}

}  // namespace

StatusOr<SparsityPattern> SparsityPattern::Parse(const std::string& text) {
  SparsityPattern p;
  if (text == "unstructured") return p;
  if (text == "channel" || text.rfind("channel:", 0) == 0) {
    p.kind = Kind::kChannel;
    if (text != "channel") {
      const std::string multiple = text.substr(8);
      if (multiple.empty() || multiple.size() > 3 || !std::all_of(multiple.begin(), multiple.end(), ::isdigit) ||
          std::stoi(multiple) < 1 || std::stoi(multiple) > 256)
        return InvalidArgument("bad channel pattern '{}' (channel:M, M in 1..256)", text);
      p.block = std::stoi(multiple);
    }
    return p;
  }
  if (text == "block" || text.rfind("block:1x", 0) == 0) {
    p.kind = Kind::kBlock;
    p.block = 4;
    if (text != "block") {
      const std::string size = text.substr(8);
      if (size.empty() || size.size() > 3 || !std::all_of(size.begin(), size.end(), ::isdigit))
        return InvalidArgument("bad block pattern '{}' (block:1xK, K in 2..64)", text);
      p.block = std::stoi(size);
    }
    if (p.block < 2 || p.block > 64) return InvalidArgument("bad block pattern '{}' (block:1xK, K in 2..64)", text);
    return p;
  }
  const size_t colon = text.find(':');
  if (colon != std::string::npos && colon > 0 && colon + 1 < text.size() && text.size() <= 5) {
    const std::string n = text.substr(0, colon), m = text.substr(colon + 1);
    if (std::all_of(n.begin(), n.end(), ::isdigit) && std::all_of(m.begin(), m.end(), ::isdigit)) {
      p.kind = Kind::kNM;
      p.n = std::stoi(n);
      p.m = std::stoi(m);
      if (p.m >= 2 && p.m <= 16 && p.n >= 1 && p.n < p.m) return p;
    }
  }
  return InvalidArgument("unknown pruning pattern '{}' (unstructured, block, block:1xK, N:M such as 2:4, channel, channel:M)",
                         text);
}

std::string SparsityPattern::Name() const {
  switch (kind) {
    case Kind::kBlock: return "block:1x" + std::to_string(block);
    case Kind::kNM: return std::to_string(n) + ":" + std::to_string(m);
    case Kind::kChannel: return block == 1 ? "channel" : "channel:" + std::to_string(block);
    default: return "unstructured";
  }
}

std::string SparsityPattern::Unfit(const Shape& shape) const {
  if (kind == Kind::kChannel)
    return shape.empty() || shape[0] < 2 ? "fewer than two output channels" : "";
  const int64_t size = kind == Kind::kBlock ? block : kind == Kind::kNM ? m : 1;
  const int64_t in = shape.size() > 1 ? shape[1] : 1;
  if (in % size != 0)
    return "its " + std::to_string(in) + " input channels do not split into groups of " + std::to_string(size);
  return "";
}

std::vector<uint8_t> MagnitudeMask(const Tensor& w, const SparsityPattern& pattern, double sparsity) {
  std::vector<uint8_t> mask(static_cast<size_t>(w.size()), 1);
  if (pattern.kind == SparsityPattern::Kind::kNM) {
    // Within each group of m, prune the m - n smallest.
    const Groups groups = GroupsOf(w.shape(), pattern.m);
    std::vector<int64_t> members;
    std::vector<double> magnitudes;
    int64_t current = -1;
    auto flush = [&] {
      const std::vector<int64_t> order = Ascending(magnitudes);
      for (int j = 0; j < pattern.m - pattern.n; ++j) mask[members[order[j]]] = 0;
      members.clear();
      magnitudes.clear();
    };
    groups.ForEach([&](int64_t g, int64_t e) {
      if (g != current && !members.empty()) flush();
      current = g;
      members.push_back(e);
      magnitudes.push_back(std::fabs(w[e]));
    });
    if (!members.empty()) flush();
    return mask;
  }
  const int64_t size = pattern.kind == SparsityPattern::Kind::kBlock ? pattern.block : 1;
  Groups groups = GroupsOf(w.shape(), size);
  if (pattern.kind == SparsityPattern::Kind::kChannel) {  // one group per output channel
    groups.size = groups.in * groups.taps;
    groups.in = groups.size;
    groups.taps = 1;
  }
  std::vector<double> scores(static_cast<size_t>(groups.count()), 0.0);
  groups.ForEach([&](int64_t g, int64_t e) { scores[g] += std::fabs(w[e]); });
  auto pruned = static_cast<int64_t>(std::floor(sparsity * static_cast<double>(groups.count())));
  if (pattern.kind == SparsityPattern::Kind::kChannel && pruned > 0) {  // keep a multiple of M
    const int64_t m = pattern.block, kept = groups.count() - pruned;
    pruned = groups.count() - std::min(groups.count(), (kept + m - 1) / m * m);
  }
  const std::vector<int64_t> order = Ascending(scores);
  std::vector<uint8_t> keep_group(scores.size(), 1);
  for (int64_t j = 0; j < pruned; ++j) keep_group[order[j]] = 0;
  groups.ForEach([&](int64_t g, int64_t e) { mask[e] = keep_group[g]; });
  return mask;
}

double Sparsity(const Tensor& w) {
  if (w.size() == 0) return 0.0;
  int64_t zeros = 0;
  for (int64_t e = 0; e < w.size(); ++e) zeros += w[e] == 0.0f;
  return static_cast<double>(zeros) / static_cast<double>(w.size());
}

}  // namespace qforge::sparsity
