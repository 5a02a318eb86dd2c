// DeployGraph: a trained model lowered for inference, still in float — NHWC values with the
// batch dimension 1, batch norm folded into the preceding convolution or dense layer,
// activations fused into their producer, weights in the runtime's layouts (conv OHWI,
// depthwise [1, kh, kw, out_c], dense [out, in] with columns in NHWC flatten order). The
// converter quantizes and serializes it; calibration runs it through the runtime in float.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "ops/resize.h"
#include "runtime/model/qfm_generated.h"

namespace qforge::convert {

// kUnary, kBinary: an element-wise operator of the runtime (DeployLayer::elementwise_op).
// kFlatten is any reshape that keeps the NHWC element order. kChannelShuffle and kSlice move
// channels (ShuffleNet's shuffle; a channel range). kResize: nearest or bilinear resampling;
// kInsertZeros: pixels spread `stride` apart (a transposed convolution's first half).
enum class LayerKind {
  kConv, kDepthwise, kDense, kBinary, kMaxPool, kAvgPool, kMean, kConcat, kFlatten, kUnary, kSoftmax,
  kChannelShuffle, kSlice, kResize, kInsertZeros
};
enum class FusedActivation { kNone, kRelu, kRelu6 };

struct DeployValue {
  std::string name;
  std::vector<int> shape;  // NHWC [1, h, w, c] or [1, features]
};

struct DeployLayer {
  LayerKind kind = LayerKind::kConv;
  std::string name;         // the training node it came from (the first one if several fused)
  std::vector<int> inputs;  // value indices
  int output = -1;
  FusedActivation activation = FusedActivation::kNone;
  // Convolution, depthwise and dense: float weights in runtime layout, bias per output channel.
  std::vector<float> weights;
  std::vector<int> weight_shape;
  std::vector<float> bias;
  int depth_multiplier = 1;
  // kConv: `groups` independent convolutions, each on in_c / groups input channels with
  // out_c / groups filters (weights OHWI with I = in_c / groups); the emitter writes them as
  // slices, one CONV_2D per group and a concatenation. kChannelShuffle: its groups.
  int groups = 1;
  // Weight sharing (clustered layers): the number of distinct values the training weights take
  // when it is at most 256 and each value is shared by 4 weights on average, else 0; and the
  // factor batch-norm folding multiplied each output channel by (empty: none).
  int shared_values = 0;
  std::vector<float> folded_scale;
  // Convolution and pooling windows; kInsertZeros: its stride.
  std::array<int, 2> kernel{1, 1}, stride{1, 1}, dilation{1, 1};
  std::array<int, 4> pads{0, 0, 0, 0};  // top, left, bottom, right
  int concat_axis = 0;
  std::array<int, 2> slice_range{0, 0};  // kSlice: channels [begin, end)
  std::array<float, 2> clip_bounds{0, 0};  // kUnary CLIP: min, max
  ResizeMode resize;                       // kResize
  // Element-wise layers: the runtime operator; unary ones: whether it maps 0 to 0 (a removed
  // channel stays removed through it).
  qfm::OpType elementwise_op{};
  bool keeps_zero = false;

  bool has_weights() const {
    return kind == LayerKind::kConv || kind == LayerKind::kDepthwise || kind == LayerKind::kDense;
  }
  // Output channels of a weighted layer.
  int out_channels() const { return weight_shape.empty() ? 0 : (kind == LayerKind::kDepthwise ? weight_shape[3] : weight_shape[0]); }
};

// True for layers whose outputs are input values moved, picked or averaged (or zeros, which
// every quantized range holds) — never outside the input's range — so the quantized output
// shares the input's grid.
inline bool KeepsInputGrid(LayerKind k) {
  return k == LayerKind::kMaxPool || k == LayerKind::kAvgPool || k == LayerKind::kFlatten ||
         k == LayerKind::kChannelShuffle || k == LayerKind::kSlice || k == LayerKind::kResize ||
         k == LayerKind::kInsertZeros;
}

struct DeployGraph {
  std::vector<DeployValue> values;
  std::vector<DeployLayer> layers;  // in execution order
  int input = 0;
  int output = -1;
  // The deploy value each value of the training graph became (-1: none, e.g. a parameter);
  // fused values (a conv's output and its batch norm's and ReLU's) share one.
  std::vector<int> deploy_value_of;
};

}  // namespace qforge::convert
