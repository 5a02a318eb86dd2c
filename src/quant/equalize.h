// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization Through Weight
// Equalization and Bias Correction", section 4.1): for a layer A whose output channels feed a
// layer B (conv, depthwise or dense) only through a positively homogeneous path — A's fused ReLU
// or none, then max/average pooling, global mean or flatten — scaling A's output channel i by
// 1 / s_i and B's weights on input channel i by s_i leaves the model's function unchanged. With
// s_i = sqrt(r_A,i / r_B,i) (r: the channel's largest |weight|) both channels end with range
// sqrt(r_A,i r_B,i), so per-tensor weight grids lose far less to channels with small ranges.
// Pairs are equalized in sweeps until the scales settle.
// ReLU6 is not positively homogeneous: as the paper does for MobileNetV2, equalization replaces a
// ReLU6 in a pair with ReLU (the float model changes where pre-activations exceed 6; counted).
// Bias absorption (section 4.1.2, with a low quantile of the calibration data per channel in
// place of the paper's batch-norm bound beta - 3 gamma): where A's ReLU output channel i stays
// above c_i > 0 (but for that quantile's tail), A's bias loses c_i and B's bias gains B's weights
// times c — exact for a B without padding on the values above c_i — which narrows the activation
// range A's output is quantized over.
#pragma once

#include <vector>

#include "convert/deploy_graph.h"
#include "core/status.h"

namespace qforge::quant {

struct EqualizeOptions {
  int max_sweeps = 100;
  double tolerance = 1e-4;  // stop when every scale of a sweep is within 1 +- tolerance
};

struct EqualizeReport {
  int pairs = 0;            // layer pairs equalized
  int relu6_replaced = 0;   // ReLU6 activations turned into ReLU
  int sweeps = 0;
  int absorbed_channels = 0;
};

// Equalizes every eligible pair of `graph` in place (data-free).
EqualizeReport EqualizeCrossLayer(convert::DeployGraph* graph, const EqualizeOptions& options = {});

// Moves the per-channel lower bounds (`channel_lows`, per deploy value, from calibration) of the
// equalized pairs' ReLU outputs from A's bias into B's; returns how many channels moved.
int AbsorbBiases(const std::vector<std::vector<float>>& channel_lows, convert::DeployGraph* graph);

}  // namespace qforge::quant
