// Training progress for people: a one-line live bar on a terminal (loss, accuracy, images/s,
// ETA, on stderr), and a line per epoch on `epochs` (stdout, or stderr under --json).
#pragma once

#include <cstdio>

#include "train/trainer.h"

namespace qforge::cli {

class ConsoleProgress : public ProgressReporter {
 public:
  explicit ConsoleProgress(std::FILE* epochs);
  void OnBatch(int epoch, int epochs, int64_t batch, int64_t num_batches, double loss,
               double accuracy, double images_per_second,
               double elapsed_seconds) override;
  bool OnEpoch(const EpochMetrics& m, int epochs) override;

 private:
  bool live_;  // stderr is a terminal
  std::FILE* epochs_;
};

}  // namespace qforge::cli
