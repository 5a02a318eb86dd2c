// BatchPrefetcher: assembles a streamed dataset's batches on worker threads while the caller
// trains on earlier ones. The next `depth` batches are open in as many slots; workers take their
// examples one at a time, in order, read each from the dataset's source, map it to model inputs
// and augment it (each example's augmentation is drawn from the seed and its place in the
// epoch, so the threads' timing changes nothing). Workers run at idle priority; a caller whose
// batch is not ready reads its remaining examples itself, so a batch never waits on workers the
// machine gives no time to. Memory: depth x batch x example of inputs (floats) plus, per
// thread, one example's pixels and inputs — independent of the dataset's size.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "data/dataset.h"

namespace qforge {

class BatchPrefetcher {
 public:
  // ranges[b]: batch b is examples order[first, first + count) (places in the epoch).
  BatchPrefetcher(const ImageDataset& data, const InputMapper& mapper, Augment augment, uint64_t augment_seed,
                  const std::vector<int64_t>& order, std::vector<std::pair<int64_t, int64_t>> ranges,
                  Prefetch prefetch);
  ~BatchPrefetcher();  // stops the workers (a batch being read is finished first)

  // The next batch; false when all are handed out; an error when reading an example failed.
  StatusOr<bool> Next(Tensor* images, std::vector<int32_t>* labels);

 private:
  struct Slot {
    Tensor images;
    std::vector<int32_t> labels;
    Status status;               // the first example that failed
    int64_t batch = -1;          // the batch it is open for (-1: free)
    int64_t size = 0;            // its examples
    int64_t claimed = 0, done = 0;  // examples handed out, examples finished
  };
  // One thread's buffers: an example's pixels and inputs.
  struct Buffers {
    std::vector<uint8_t> pixels;
    std::vector<float> example;
  };
  void Work(Buffers& buffers);
  void Stop();  // ends and joins the workers
  void OpenBatches();  // under the lock: opens the batches whose slots are free
  // Under `lock`: claims the next example of `slot`, reads it unlocked, records it (false: none left).
  bool ReadOneExample(Slot& slot, std::unique_lock<std::mutex>& lock, Buffers& buffers);
  Status Fill(Slot& slot, int64_t example, Buffers& buffers);

  const ImageDataset& data_;
  const InputMapper& mapper_;
  const Augment augment_;
  const uint64_t augment_seed_;
  const std::vector<int64_t>& order_;
  const std::vector<std::pair<int64_t, int64_t>> ranges_;
  std::vector<Slot> slots_;
  std::vector<Buffers> buffers_;  // per worker, and the caller's last
  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t next_to_open_ = 0, next_to_take_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace qforge
