// Console progress reporting.
#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace qforge::cli {

ConsoleProgress::ConsoleProgress(std::FILE* epochs) : live_(isatty(fileno(stderr))), epochs_(epochs) {}

void ConsoleProgress::OnBatch(int epoch, int epochs, int64_t batch, int64_t num_batches,
                              double loss, double accuracy, double images_per_second,
                       double elapsed_seconds) {
  if (!live_ || (batch % 10 != 0 && batch != num_batches)) return;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(kWidth * batch / num_batches);
  const double eta = elapsed_seconds / batch * (num_batches - batch);
  fmt::print(stderr, "\repoch {}/{} [{}{}] {}/{} loss {:.4f} acc {:.4f} {:.0f} img/s ETA {:.0f}s  ",
             epoch, epochs, std::string(filled, '='), std::string(kWidth - filled, ' '), batch,
             num_batches, loss, accuracy, images_per_second, eta);
  std::fflush(stderr);
}

bool ConsoleProgress::OnEpoch(const EpochMetrics& m, int epochs) {
  if (live_) fmt::print(stderr, "\r{}\r", std::string(110, ' '));
  fmt::print(epochs_, "epoch {}/{}: train loss {:.4f} acc {:.4f} | test loss {:.4f} acc {:.4f} | {:.0f} img/s, {:.1f}s\n",
             m.epoch, epochs, m.train_loss, m.train_accuracy, m.test_loss, m.test_accuracy,
             m.images_per_second, m.seconds);
  std::fflush(epochs_);
  return true;
}

}  // namespace qforge::cli
