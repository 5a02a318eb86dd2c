// Ops that rearrange channels: ChannelShuffle (ShuffleNet's interleaving of channel groups,
// exported as reshape -> transpose -> reshape) and SliceChannels (a contiguous channel range,
// exported as Slice or Split along the channels). Both only move data.
#pragma once

#include "ops/op.h"

namespace qforge {

// Channels seen as [groups, C / groups] are transposed to [C / groups, groups]: output channel
// b * groups + a is input channel a * (C / groups) + b.
class ChannelShuffleOp : public Op {
 public:
  explicit ChannelShuffleOp(int64_t groups) : groups_(groups) {}
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);
  static constexpr std::string_view kType = "ChannelShuffle";
  std::string_view type() const override { return kType; }
  nlohmann::json attrs() const override { return {{"groups", groups_}}; }
  bool KeepsValueRange() const override { return true; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
  int64_t groups() const { return groups_; }
  // The input channel that output channel `out` copies, of `channels`.
  int64_t SourceChannel(int64_t out, int64_t channels) const;

 private:
  int64_t groups_;
};

// Channels [begin, end) of the input.
class SliceChannelsOp : public Op {
 public:
  SliceChannelsOp(int64_t begin, int64_t end) : begin_(begin), end_(end) {}
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);
  static constexpr std::string_view kType = "SliceChannels";
  std::string_view type() const override { return kType; }
  nlohmann::json attrs() const override { return {{"begin", begin_}, {"end", end_}}; }
  bool KeepsValueRange() const override { return true; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
  int64_t begin() const { return begin_; }
  int64_t end() const { return end_; }

 private:
  int64_t begin_, end_;
};

}  // namespace qforge
