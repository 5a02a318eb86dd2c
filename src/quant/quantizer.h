// Quantizers: what quantization-aware training uses to simulate a low-precision grid. A
// quantizer tracks or learns a range (its parameters: running min/max state, a learned step
// size or clipping value), maps its input onto the grid it implies (fake quantization: the
// output is float but takes only grid values) and back-propagates (straight-through inside the
// range, zero outside; learned parameters get their own gradients). Users implement the
// interface for other hardware (e.g. power-of-two scales) and register a factory so
// checkpoints holding their quantizer load again.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/quant_grid.h"
#include "core/replicas.h"
#include "core/status.h"
#include "core/tensor.h"

namespace qforge::quant {

// The target grid: b-bit integers, symmetric (zero point 0) or not, narrow range
// [-(2^(b-1)-1), 2^(b-1)-1] for weights, per tensor or per output channel (dimension 0).
struct QuantSpec {
  int bits = 8;
  bool symmetric = false;
  bool narrow = false;
  bool per_channel = false;

  int32_t qmin() const { return runtime::GridMin(bits, narrow); }
  int32_t qmax() const { return runtime::GridMax(bits); }
  nlohmann::json ToJson() const;
  static StatusOr<QuantSpec> FromJson(const nlohmann::json& j);
};

// The grid in use: one scale and zero point, or one per channel.
struct Grid {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int32_t qmin = -128, qmax = 127;
};

// The grid of per-channel (or single) ranges [lo[c], hi[c]] under `spec` — the converter's
// definition (runtime/quant_grid.h), so training simulates exactly what gets exported.
Grid GridFromRanges(const QuantSpec& spec, const std::vector<float>& lo, const std::vector<float>& hi);

// Channels of x under `spec`: x.shape()[0] when per channel, else 1; and the elements per channel.
int64_t Channels(const QuantSpec& spec, const Tensor& x);

// y = (clamp(round(x / s) + zp, qmin, qmax) - zp) * s, per channel along dimension 0 when the
// grid has several; round is half away from zero, as the runtime's QUANTIZE. With `inside`,
// also records which elements fell inside [qmin, qmax] before clamping (1) or not (0).
void FakeQuantize(const Tensor& x, const Grid& grid, Tensor& y, std::vector<uint8_t>* inside = nullptr);
// dx = dy where inside[i], else 0: the straight-through gradient from a recorded mask.
void MaskedGradient(const std::vector<uint8_t>& inside, const Tensor& dy, Tensor& dx);
// Straight-through estimator with clipping: dx = dy where round(x / s) + zp lies in
// [qmin, qmax], else 0.
void StraightThrough(const Tensor& x, const Grid& grid, const Tensor& dy, Tensor& dx);
// The straight-through gradient (dx may be null) and, in the same pass, the gradient of the
// fake-quantized value with respect to each channel's scale s (LSQ, Esser et al. 2020):
// step_grad[c] = sum over channel c of dy * (round(x/s) - x/s) inside the grid, dy * (qmin - zp)
// or dy * (qmax - zp) where x is clipped.
void StraightThroughAndScaleGradient(const Tensor& x, const Grid& grid, const Tensor& dy, Tensor* dx,
                                     std::vector<double>* step_grad);
// Per-channel minimum and maximum of x (one pair when not per channel).
void ChannelMinMax(const QuantSpec& spec, const Tensor& x, std::vector<float>* lo, std::vector<float>* hi);

// A parameter a quantizer keeps in the graph: tracked state (trainable = false, e.g. running
// min/max, saved in checkpoints) or a learned value (e.g. LSQ's step).
struct QuantizerParam {
  std::string name;
  Shape shape;
  float init = 0.0f;
  bool trainable = false;
};

class Quantizer {
 public:
  explicit Quantizer(QuantSpec spec) : spec_(spec) {}
  virtual ~Quantizer() = default;

  virtual std::string_view type() const = 0;
  // Everything needed to rebuild this quantizer; includes "spec".
  virtual nlohmann::json attrs() const { return {{"spec", spec_.ToJson()}}; }
  const QuantSpec& spec() const { return spec_; }

  // The parameters for an input of shape `x` (activations: batch dimension -1).
  virtual std::vector<QuantizerParam> Params(const Shape& x) const = 0;
  // y = fake-quantized x. In training a quantizer may first update its state.
  virtual void Forward(bool training, const Tensor& x, const std::vector<Tensor*>& params, Tensor& y) = 0;
  // Writes dx (when non-null) and the gradient of each trainable parameter (non-null entries
  // of dparams, in Params order). Called after Forward on the same x.
  virtual void Backward(const Tensor& x, const std::vector<Tensor*>& params, const Tensor& dy, Tensor* dx,
                        const std::vector<Tensor*>& dparams) = 0;
  // The grid the quantizer maps to now (x: the tensor itself, for quantizers whose range is
  // its current value, such as weights; may be null for the others).
  virtual StatusOr<Grid> CurrentGrid(const Tensor* x, const std::vector<Tensor*>& params) const = 0;

  // Data-parallel training: the replicas whose shards make up the batch (null: it is all
  // here), set before every Forward. A quantizer whose state follows the batch (an observed
  // range, an initial step) reduces its statistics over them, so every replica keeps the state
  // one process would on the global batch and exports the same grid.
  void set_replicas(ReplicaGroup* replicas) { replicas_ = replicas; }

 protected:
  ReplicaGroup* replicas() const { return replicas_; }

 private:
  QuantSpec spec_;
  ReplicaGroup* replicas_ = nullptr;
};

using QuantizerFactory = StatusOr<std::unique_ptr<Quantizer>> (*)(const QuantSpec& spec, const nlohmann::json& attrs);

// Built-in types: "minmax" (range of the current value; weights), "ema" (moving average of
// batch min/max, attribute "decay", initialized from the first batch), "allminmax" (min/max of
// everything seen), "fixed" (attributes "min", "max"), "lsq" (learned step size, Esser et al.
// 2020), "pact" (learned clipping, Choi et al. 2018; attribute "alpha" = initial value).
StatusOr<std::unique_ptr<Quantizer>> CreateQuantizer(std::string_view type, const nlohmann::json& attrs);
// Adds a user-defined quantizer type (registering the same factory twice is a no-op).
Status RegisterQuantizer(const std::string& type, QuantizerFactory factory);
// The registered types, built-in and user-defined.
std::vector<std::string> QuantizerTypes();

}  // namespace qforge::quant
