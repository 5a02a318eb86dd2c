// Converting a quantization-aware-trained graph to a .qfm model with the grids training
// simulated: the fake-quantization and folding nodes are stripped back to the float graph
// (convolution, batch norm, activation), which the converter lowers as usual (folding batch
// norm with the same running statistics); each activation gets exactly the scale and zero
// point its quantizer ended training with, values that keep their input's grid (pooling,
// flatten) inherit it, and learned weight scales (LSQ) replace max|w|/127.
#pragma once

#include <cstdint>
#include <vector>

#include "convert/deploy_graph.h"
#include "train/checkpoint.h"

namespace qforge::quant {

struct QatExportOptions {
  bool int8_io = false;
};

StatusOr<std::vector<uint8_t>> ConvertQatModel(const Graph& qat_graph, const CheckpointMeta& meta,
                                               const QatExportOptions& options);

// The float model behind a QAT graph as the converter lowers it (fake quantization and folding
// stripped, dead channels removed).
StatusOr<convert::DeployGraph> LowerQatGraph(const Graph& qat_graph);

// True when the graph holds fake quantization (a QAT model).
bool IsQatGraph(const Graph& graph);

}  // namespace qforge::quant
