// BatchPrefetcher: assembles a streamed dataset's batches on worker threads while the caller
// trains on earlier ones. Workers take whole batches in order, read each example from the
// dataset's source, map it to model inputs and augment it (each example's augmentation is drawn
// from the seed and its place in the epoch, so the threads' timing changes nothing), into one of
// `depth` batch slots; Next hands them out in order. Memory: depth x batch x example of inputs
// (floats) plus, per thread, one example's pixels and inputs — independent of the dataset's size.
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
    Status status;
    int64_t batch = -1;  // the batch it holds when ready
    bool ready = false;
  };
  void Work(std::vector<uint8_t>& pixels, std::vector<float>& example);
  void Stop();  // ends and joins the workers
  Status Fill(int64_t batch, Slot& slot, std::vector<uint8_t>& pixels, std::vector<float>& example);

  const ImageDataset& data_;
  const InputMapper& mapper_;
  const Augment augment_;
  const uint64_t augment_seed_;
  const std::vector<int64_t>& order_;
  const std::vector<std::pair<int64_t, int64_t>> ranges_;
  std::vector<Slot> slots_;
  std::vector<std::vector<uint8_t>> pixels_;  // per worker
  std::vector<std::vector<float>> examples_;  // per worker
  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t next_to_fill_ = 0, next_to_take_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace qforge
