// Automatic mixed precision (`qforge quantize --auto-mixed --max-drop P`): which layers of an int8
// (or int16x8) post-training model to raise — to int16x8 or float — so that its accuracy is within
// P points of the float model's, at the least latency. Everything is measured on this machine:
//   1. the float and the all-quantized model's accuracy on the selection examples;
//   2. for every layer and each higher precision, the model with only that layer raised: its
//      accuracy gain and its latency cost (the runtime's median time per batch);
//   3. greedily, the move with the most accuracy gained per added millisecond (moves that gain
//      nothing last) is applied to the current set and the set's real accuracy and latency
//      measured — gains are not additive — until the drop is within the budget.
// Every configuration measured is a point of the accuracy/latency/size trade-off; those no other
// point beats on both accuracy and latency form the Pareto front. The choice is the fastest
// quantized point within the budget — of those within 3% of its latency (timing noise), the one
// raising the fewest layers; if none is within it, the float model (and the budget is not met).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "quant/ptq.h"

namespace qforge::quant {

struct MixedSearchOptions {
  double max_drop = 0.2;  // accuracy points below float
  std::vector<convert::Mode> raise_to = {convert::Mode::kInt16x8, convert::Mode::kFloat};
  int bench_batch = 1;
  int bench_threads = 1;
  double bench_seconds = 0.3;  // per configuration
  int eval_threads = 1;
};

struct MixedPoint {
  std::string label;                            // "int8", "+conv1:float", "step 2", ...
  std::map<std::string, convert::Mode> modes;  // layers not in the base mode
  double accuracy = 0.0;                        // on the selection examples
  double latency_ms = 0.0;                      // median per batch
  int64_t bytes = 0;
  bool pareto = false;
};

struct MixedSearchResult {
  double float_accuracy = 0.0;
  std::vector<MixedPoint> points;  // every configuration measured, in order
  size_t chosen = 0;               // the index of the one chosen (0, the float model, when none met)
  bool met = false;                // whether a quantized configuration is within the budget
};

// `session` holds the base mode and calibration; `selection` the labelled examples the
// accuracies are measured on.
StatusOr<MixedSearchResult> SearchMixedPrecision(const PtqSession& session, const ImageDataset& selection,
                                                 const MixedSearchOptions& options);

// Median seconds per Invoke of a .qfm model at `batch` and `threads`, over at least 5 runs and
// about `seconds` in all.
StatusOr<double> MedianLatency(const std::vector<uint8_t>& model, int batch, int threads, double seconds);

}  // namespace qforge::quant
