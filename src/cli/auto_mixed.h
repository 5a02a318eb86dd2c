// `qforge quantize --auto-mixed`: the mixed-precision search's flags, its run on a prepared
// post-training session, and its report (the Pareto table of the configurations it measured).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "quant/mixed_search.h"

namespace qforge::cli {

struct AutoMixedFlags {
  bool enabled = false;
  double max_drop = 0.2;
  int64_t samples = 5000;  // the first test images choose; the rest check the choice
  int bench_batch = 1;
  std::vector<std::string> raise_to;  // empty: int16x8 and float in an int8 model, float in an int16x8 one

  void Register(CLI::App& cmd);
  Status Check(convert::Mode base) const;
};

struct AutoMixedOutcome {
  std::vector<uint8_t> model;  // the chosen configuration
  nlohmann::json json;
  std::string text;
};

StatusOr<AutoMixedOutcome> RunAutoMixed(const quant::PtqSession& session, const ImageDataset& test,
                                        const AutoMixedFlags& flags, int threads);

}  // namespace qforge::cli
