// AdaRound (Nagel et al. 2020, "Up or Down? Adaptive Rounding for Post-Training Quantization"):
// instead of rounding each weight to the nearest grid point, learn per weight whether it rounds
// up or down so that the layer's output changes least. Per weighted layer, in order:
//   W~ = s * clamp(floor(W / s) + h(V), -qmax, qmax),  h(V) = clamp(sigmoid(V) (zeta - gamma) + gamma, 0, 1)
//   minimize  mean_rows sum_channels (f(W x + b) - f(W~ x~ + b))^2 + lambda sum (1 - |2 h(V) - 1|^beta)
// with zeta = 1.1, gamma = -0.1, V starting where h(V) is the fractional part of W / s, f the
// layer's fused activation, x the layer's input in the float model and x~ its input in the model
// quantized so far (the paper's asymmetric reconstruction: earlier layers already rounded, every
// activation on its calibrated grid). beta anneals linearly from 20 to 2 after a warm-up without
// the regularizer; Adam on V over random batches of output positions (a conv's output pixels,
// a dense layer's samples). Finally each weight rounds up where h(V) >= 0.5.
// Works on any symmetric weight grid: per channel or per tensor, 2..8 bits. A layer reading a
// value computed in float (the model input) sees it rounded onto its input grid, as the QUANTIZE
// before it does.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "convert/emit.h"

namespace qforge::quant {

struct AdaRoundOptions {
  int iterations = 2000;         // per layer
  double regularization = 0.01;  // lambda
  double beta_start = 20.0, beta_end = 2.0;
  double warmup = 0.2;           // fraction of the iterations without the regularizer
  double learning_rate = 1e-3;
  int batch_rows = 1024;         // output positions per step
  int64_t max_rows = 20000;      // output positions sampled per layer
  int64_t samples = 256;         // calibration images whose activations give the positions
  uint64_t seed = 1;
};

struct AdaRoundLayer {
  std::string layer;
  int64_t weights = 0;
  std::string skipped;           // why the layer kept nearest rounding (empty: it was rounded)
  double flipped = 0.0;          // fraction of weights rounded away from nearest
  double nearest_error = 0.0;    // the reconstruction error (first term above) of nearest rounding
  double adaround_error = 0.0;   // and of the learned rounding, on the same positions
};

// Rounds the weights of every integer layer of `graph` (layers that `emit.layer_modes` keeps in
// float are left alone; grouped convolutions and clustered layers keep nearest rounding and are
// reported as skipped), in place: each layer's weights become exactly their grid values and its
// grid is recorded in (*grids) (added where missing: 8-bit per channel max |w|). `emit` holds the
// mode, calibrated ranges and layer modes the rounded model is run with; `samples` are `count`
// preprocessed NHWC calibration images.
StatusOr<std::vector<AdaRoundLayer>> AdaRoundWeights(convert::DeployGraph* graph, const convert::EmitOptions& emit,
                                                     const float* samples, int64_t count, const AdaRoundOptions& options,
                                                     std::map<std::string, convert::WeightGrid>* grids);

}  // namespace qforge::quant
