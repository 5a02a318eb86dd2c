// The quantization debugger's per-layer comparison: a quantized .qfm model and the float model it
// approximates run on the same inputs; every layer's output (the tensor named after its deploy
// value) is compared with the float one:
//   accumulated  the quantized model's output of the layer against float: SQNR (dB), MSE, max error
//   added        the layer's operator alone, its inputs set to the float values on their grids:
//                the error this layer adds (NaN where it cannot be isolated: a grouped convolution's
//                concatenation, whose inputs are not deploy values)
//   grid         the fraction of the integer range the outputs used, and of the float values
//                outside the grid's range (clipped)
//   weights      the spread of the per-output-channel weight ranges (max / min of max |w_c|)
// plus histograms of the float activations and the weights for the report.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "convert/deploy_graph.h"
#include "runtime/model/model.h"

namespace qforge::debug {

struct Histogram {
  double min = 0.0, max = 0.0;
  std::vector<int64_t> counts;  // equal bins over [min, max]
};

struct LayerStats {
  std::string layer;  // the deploy value (the layer's name)
  std::string op;     // the .qfm operator computing it
  std::string dtype;  // INT8, INT16 or FLOAT32
  int64_t elements = 0;  // per sample
  double sqnr_db = 0.0, mse = 0.0, max_error = 0.0;  // accumulated
  double added_sqnr_db = 0.0, added_mse = 0.0;       // added by the layer alone
  double range_utilization = 0.0;  // integer outputs: (max q - min q) / (type max - type min)
  double clipped_fraction = 0.0;   // float values outside the grid's range
  double weight_spread = 0.0;      // NaN without weights
  double scale = 0.0;              // the output's quantization step (0 for float)
  int32_t zero_point = 0;
  double grid_low = 0.0, grid_high = 0.0;  // the real values of the grid's ends (its n-bit range)
  Histogram activations, weights;  // float activations, dequantized weights (empty without)
};

struct CompareOptions {
  int batch = 32;
  int bins = 64;
};

// Runs the float model `reference` (values named as the quantized model's tensors) and
// `quantized` on `count` preprocessed NHWC samples. Layers whose value the quantized model has no
// tensor for are left out.
StatusOr<std::vector<LayerStats>> CompareLayers(const convert::DeployGraph& reference,
                                                std::shared_ptr<const runtime::Model> quantized, const float* samples,
                                                int64_t count, const CompareOptions& options = {});

// 10 log10(signal / noise) in dB; +infinity for no noise.
double SqnrDb(double signal, double noise);

}  // namespace qforge::debug
