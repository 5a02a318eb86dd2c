// Magnitude pruning masks for one weight tensor, in the pattern a kernel can exploit:
//   unstructured  the smallest |w| of the whole tensor;
//   block         blocks of `block` consecutive input channels (same output channel and tap),
//                 scored by their mean |w|, the lowest-scoring blocks pruned;
//   N:M           in every group of M consecutive input channels, the N largest |w| kept
//                 (2:4 is what sparse tensor cores and some CPU kernels take);
//   channel       whole output channels (filters), scored by their mean |w| (Li et al. 2017),
//                 which the converter then removes (see channel_group.h); channel:M keeps a
//                 multiple of M channels (the int8 kernels work on 16 or 32 at a time).
// Weights are [out, in, taps...] (Conv2D [OC, C, KH, KW], Dense [M, K]); groups run along `in`,
// the axis that is contiguous in the runtime's OHWI filters. C++20.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace qforge::sparsity {

struct SparsityPattern {
  enum class Kind { kUnstructured, kBlock, kNM, kChannel };
  Kind kind = Kind::kUnstructured;
  int block = 1;     // kBlock: input channels per block; kChannel: channels kept in multiples of it
  int n = 2, m = 4;  // kNM: n kept of every m

  // "unstructured", "block" (1x4), "block:1xK", "N:M", "channel" or "channel:M".
  static StatusOr<SparsityPattern> Parse(const std::string& text);
  std::string Name() const;
  // Why `shape` cannot take this pattern ("" if it can): the input channels must split into
  // whole blocks or groups.
  std::string Unfit(const Shape& shape) const;
  // N:M fixes the sparsity at 1 - N/M whatever the schedule asks.
  bool FixedSparsity() const { return kind == Kind::kNM; }
};

// 1 = keep, 0 = prune, one byte per weight: the `sparsity` fraction of `w` (rounded down to
// whole blocks; N:M: exactly N of every M) with the smallest magnitude pruned. Ties broken by
// index, so masks are deterministic.
std::vector<uint8_t> MagnitudeMask(const Tensor& w, const SparsityPattern& pattern, double sparsity);

// Fraction of zeros in w.
double Sparsity(const Tensor& w);

}  // namespace qforge::sparsity
