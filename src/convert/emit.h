// Serializing a DeployGraph as a .qfm model in one of the converter's modes:
//   float    float32 weights and activations (the baseline file)
//   float16  float16 weights, float activations (weights widened at load)
//   dynamic  int8 per-channel weights, float activations quantized on the fly per sample
//   int8     int8 activations (per tensor, asymmetric) and per-channel symmetric int8 weights,
//            int32 bias; float input/output through QUANTIZE/DEQUANTIZE, or int8 with int8_io
//   int16x8  int16 symmetric activations, int8 weights, int64 bias
// and mixed-precision models: int8 or int16x8 with some layers in another of float, int8, int16x8.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "convert/deploy_graph.h"
#include "core/status.h"

namespace qforge::convert {

enum class Mode { kFloat, kFloat16, kDynamic, kInt8, kInt16x8 };

StatusOr<Mode> ParseMode(const std::string& name);
const char* ModeName(Mode mode);
// Modes whose activations are integers and need calibrated ranges.
inline bool NeedsRanges(Mode mode) { return mode == Mode::kInt8 || mode == Mode::kInt16x8; }

struct ValueRange {
  float min = 0.0f, max = 0.0f;
};

// The scale and zero point an activation with range r gets: asymmetric int8 over
// [min(r.min, 0), max(r.max, 0)], or symmetric int16 (zero point 0).
struct ActivationParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
  int bits = 0;  // an n-bit grid (2..7) inside int8; 0: the type's full width
};

// Weights quantized with given per-channel scales (or one) to a b-bit narrow grid
// [-(2^(b-1) - 1), 2^(b-1) - 1] (quantization-aware training's learned or n-bit grids).
struct WeightGrid {
  std::vector<float> scale;
  int bits = 8;
};

struct EmitOptions {
  Mode mode = Mode::kFloat;
  bool int8_io = false;             // int8/int16x8: integer model input and output
  std::vector<ValueRange> ranges;   // per deploy value (int8, int16x8), or:
  // per deploy value, exact (quantization-aware training); values only float layers read and
  // write may have none
  std::vector<std::optional<ActivationParams>> params;
  // Mixed precision (int8 and int16x8 modes): the mode (float, int8 or int16x8) a layer runs in,
  // by layer name; the others run in `mode`. Values cross between the regions through QUANTIZE
  // (float to integer, and int8 to int16 or back: a requantization) and DEQUANTIZE.
  std::map<std::string, Mode> layer_modes;
  // Weight grids by layer name (from QAT); other layers use max |w| / 127.
  std::map<std::string, WeightGrid> weight_grids;
  std::string metadata_json = "{}";
  bool every_value_an_output = false;  // calibration: output i is deploy value i
};

StatusOr<std::vector<uint8_t>> EmitQfm(const DeployGraph& graph, const EmitOptions& options);

// The mode a layer runs in: its entry in `layer_modes`, else `base`.
inline Mode LayerModeOf(const std::map<std::string, Mode>& layer_modes, const std::string& layer, Mode base) {
  const auto it = layer_modes.find(layer);
  return it == layer_modes.end() ? base : it->second;
}

// Per-output-channel symmetric int8 weights of a conv/depthwise/dense layer, narrow range
// [-127, 127]: scale[c] = max |w[c]| / 127 (1 for an all-zero channel). A layer with shared
// (clustered) weights gets one grid for the whole tensor instead, scaled per channel only by
// its folded batch norm, scale[c] = |folded_scale[c]| * max |w / folded_scale| / 127, so its
// int8 weights share values across channels as the float ones did (what coding needs).
struct QuantizedWeights {
  std::vector<int8_t> values;  // in the layer's weight layout
  std::vector<float> scale;    // per output channel
};
QuantizedWeights QuantizeWeights(const DeployLayer& layer);
// With a given grid (scales per output channel, or one for all): round(w / s) clamped to
// [-(2^(b-1) - 1), 2^(b-1) - 1].
QuantizedWeights QuantizeWithScales(const DeployLayer& layer, const WeightGrid& grid);
// The largest integer bias a mode's layers get: 2^30 in int8, half the int32 accumulator, so
// that the weighted sum (at most 255 * 127 per input, 2^30 for 33,000 inputs) cannot make it wrap;
// 2^40 in int16x8, the runtime's limit for its int64 biases.
double BiasLimit(Mode mode);
// The weight scales with which every channel's bias, quantized at input_scale * weight_scale[c],
// lies within `limit`: a channel whose bias does not fit gets its scale widened to
// |bias[c]| / (input_scale * limit), the others keep theirs. Such a channel's weights are tiny
// beside its bias (e.g. nearly pruned), so a coarser grid costs them little, whereas clamping
// the bias changed the channel's output. TFLite's quantizer widens the weight scale the same way
// to keep int32 biases within the middle half of their range.
std::vector<float> ScalesTheBiasFits(const std::vector<float>& bias, double input_scale,
                                     std::vector<float> weight_scale, double limit);
// The symmetric b-bit grid of a layer's weights: max |w| / (2^(b-1) - 1) per output channel, or
// one scale for the whole tensor.
WeightGrid MaxAbsWeightGrid(const DeployLayer& layer, bool per_tensor, int bits);
// The weights as the emitter writes them: with the layer's grid in `grids` (by name), else
// QuantizeWeights.
QuantizedWeights EmittedWeights(const DeployLayer& layer, const std::map<std::string, WeightGrid>& grids);
// The output channel of element i of the layer's weights.
inline size_t WeightChannel(const DeployLayer& layer, size_t i) {
  const size_t oc = static_cast<size_t>(layer.out_channels());
  return layer.kind == LayerKind::kDepthwise ? i % oc : i / (layer.weights.size() / oc);
}

// The input channel (of `in_channels`) that weight element i of a layer multiplies: OHWI and
// dense rows end in the input channel (within the group, for a grouped convolution);
// depthwise output channel c reads input channel c / depth_multiplier.
inline size_t WeightInputChannel(const DeployLayer& layer, size_t i, size_t in_channels) {
  const size_t c = WeightChannel(layer, i);
  if (layer.kind == LayerKind::kDepthwise) return c / static_cast<size_t>(layer.depth_multiplier);
  if (layer.groups == 1) return i % in_channels;
  const size_t group_in = static_cast<size_t>(layer.weight_shape[3]);
  const size_t group_out = static_cast<size_t>(layer.out_channels() / layer.groups);
  return c / group_out * group_in + i % group_in;
}

ActivationParams ChooseActivationParams(ValueRange r, bool int16);

}  // namespace qforge::convert
