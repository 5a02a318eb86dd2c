// ChannelShuffle and SliceChannels (see channel_layout.h): plane copies per sample.
#include "ops/channel_layout.h"

#include <algorithm>

namespace qforge {
namespace {

// Copies, per sample, plane src_channel(c) of `in` to plane c of `out` (or back, `scatter`).
template <typename SourceOf>
void CopyPlanes(const Tensor& from, Tensor& to, int64_t from_channels, int64_t to_channels, SourceOf source,
                bool scatter) {
  const int64_t n = to.dim(0), plane = to.size() / (n * to_channels);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < (scatter ? from_channels : to_channels); ++c) {
      const int64_t other = source(c);
      const int64_t src = scatter ? c : other, dst = scatter ? other : c;
      std::copy_n(from.data() + (i * from_channels + src) * plane, plane, to.data() + (i * to_channels + dst) * plane);
    }
}

}  // namespace

StatusOr<std::unique_ptr<Op>> ChannelShuffleOp::FromAttrs(const nlohmann::json& attrs) {
  const int64_t groups = attrs.value("groups", int64_t{0});
  if (groups < 1) return InvalidArgument("ChannelShuffle groups must be >= 1, got {}", groups);
  return std::unique_ptr<Op>(new ChannelShuffleOp(groups));
}

StatusOr<Shape> ChannelShuffleOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 1 || in[0].size() < 2) return InvalidArgument("ChannelShuffle takes one [N, C, ...] input");
  if (in[0][1] % groups_ != 0)
    return InvalidArgument("ChannelShuffle: {} channels do not split into {} groups", in[0][1], groups_);
  return in[0];
}

int64_t ChannelShuffleOp::SourceChannel(int64_t out, int64_t channels) const {
  const int64_t per_group = channels / groups_;
  return (out % groups_) * per_group + out / groups_;
}

void ChannelShuffleOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  const int64_t c = out.dim(1);
  CopyPlanes(*in[0], out, c, c, [&](int64_t o) { return SourceChannel(o, c); }, false);
}

void ChannelShuffleOp::Backward(const OpContext&, const std::vector<Tensor*>&, const Tensor& out, const Tensor& dy,
                                const std::vector<Tensor*>& din) {
  if (!din[0]) return;
  const int64_t c = out.dim(1);
  CopyPlanes(dy, *din[0], c, c, [&](int64_t o) { return SourceChannel(o, c); }, true);
}

StatusOr<std::unique_ptr<Op>> SliceChannelsOp::FromAttrs(const nlohmann::json& attrs) {
  const int64_t begin = attrs.value("begin", int64_t{-1}), end = attrs.value("end", int64_t{-1});
  if (begin < 0 || end <= begin) return InvalidArgument("SliceChannels needs 0 <= begin < end, got [{}, {})", begin, end);
  return std::unique_ptr<Op>(new SliceChannelsOp(begin, end));
}

StatusOr<Shape> SliceChannelsOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 1 || in[0].size() < 2) return InvalidArgument("SliceChannels takes one [N, C, ...] input");
  if (end_ > in[0][1])
    return InvalidArgument("SliceChannels [{}, {}) is outside the input's {} channels", begin_, end_, in[0][1]);
  Shape out = in[0];
  out[1] = end_ - begin_;
  return out;
}

void SliceChannelsOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  CopyPlanes(*in[0], out, in[0]->dim(1), out.dim(1), [&](int64_t o) { return begin_ + o; }, false);
}

void SliceChannelsOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor& out, const Tensor& dy,
                               const std::vector<Tensor*>& din) {
  if (!din[0]) return;
  din[0]->Fill(0.0f);
  CopyPlanes(dy, *din[0], out.dim(1), in[0]->dim(1), [&](int64_t o) { return begin_ + o; }, true);
}

}  // namespace qforge
