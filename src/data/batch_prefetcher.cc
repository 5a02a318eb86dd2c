// Worker threads filling batch slots ahead of the consumer.
#include "data/batch_prefetcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

#include <sched.h>

namespace qforge {

BatchPrefetcher::BatchPrefetcher(const ImageDataset& data, const InputMapper& mapper, Augment augment,
                                 uint64_t augment_seed, const std::vector<int64_t>& order,
                                 std::vector<std::pair<int64_t, int64_t>> ranges, Prefetch prefetch)
    : data_(data), mapper_(mapper), augment_(augment), augment_seed_(augment_seed), order_(order),
      ranges_(std::move(ranges)), slots_(static_cast<size_t>(std::max(1, prefetch.depth))) {
  const int threads = std::clamp(prefetch.threads, 1, static_cast<int>(slots_.size()));
  try {
    // Each worker's buffers: one example's pixels and inputs (allocated here, so a worker that
    // runs out of memory does so only inside Fill, which reports it).
    pixels_.assign(threads, std::vector<uint8_t>(static_cast<size_t>(data_.example_size())));
    examples_.assign(threads, std::vector<float>(static_cast<size_t>(data_.example_size())));
    for (int t = 0; t < threads; ++t) workers_.emplace_back([this, t] { Work(pixels_[t], examples_[t]); });
  } catch (...) {  // a thread could not start: stop the others before the error goes on
    Stop();
    throw;
  }
}

BatchPrefetcher::~BatchPrefetcher() { Stop(); }

void BatchPrefetcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void BatchPrefetcher::Work(std::vector<uint8_t>& pixels, std::vector<float>& example) {
  // The OpenMP team of the training step is lock-step: a loader thread preempting one of its
  // threads stalls all of them (measured: resnet streamed at 76% of its in-memory speed, loading
  // being ~4% of the work). At idle priority the loaders run on cores the team leaves free, and
  // when the consumer waits for a batch. Lowering one's own priority needs no privilege.
  sched_param idle{};
  sched_setscheduler(0, SCHED_IDLE, &idle);
  const auto depth = static_cast<int64_t>(slots_.size());
  for (;;) {
    int64_t batch = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // The next batch, once its slot has been handed out (batches depth apart share a slot).
      changed_.wait(lock, [&] {
        return stopping_ || next_to_fill_ >= static_cast<int64_t>(ranges_.size()) ||
               next_to_fill_ < next_to_take_ + depth;
      });
      if (stopping_ || next_to_fill_ >= static_cast<int64_t>(ranges_.size())) return;
      batch = next_to_fill_++;
    }
    Slot& slot = slots_[batch % depth];
    Status status;
    try {
      status = Fill(batch, slot, pixels, example);
    } catch (const std::exception& e) {  // out of memory: an error for Next, not a crash
      status = Status(StatusCode::kFailedPrecondition, fmt::format("reading batch {}: {}", batch, e.what()));
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      slot.status = status;
      slot.batch = batch;
      slot.ready = true;
    }
    changed_.notify_all();
  }
}

Status BatchPrefetcher::Fill(int64_t batch, Slot& slot, std::vector<uint8_t>& pixels, std::vector<float>& example) {
  const auto [first, n] = ranges_[batch];
  const int64_t per = data_.example_size();
  slot.images.Resize({n, data_.channels, data_.height, data_.width});
  slot.labels.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t index = order_[first + i];
    QF_RETURN_IF_ERROR(data_.source->Read(index, pixels.data()));
    ExampleInputs(mapper_, data_.channels, data_.height, data_.width, augment_, augment_seed_, first + i, example,
                  [&](float* out) { mapper_.PixelsNchw(pixels.data(), out); }, slot.images.data() + i * per);
    slot.labels[i] = data_.labels.empty() ? -1 : data_.labels[index];
  }
  return Status::Ok();
}

StatusOr<bool> BatchPrefetcher::Next(Tensor* images, std::vector<int32_t>* labels) {
  if (next_to_take_ >= static_cast<int64_t>(ranges_.size())) return false;
  Slot& slot = slots_[next_to_take_ % static_cast<int64_t>(slots_.size())];
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return slot.ready && slot.batch == next_to_take_; });
    QF_RETURN_IF_ERROR(slot.status);
    std::swap(*images, slot.images);
    std::swap(*labels, slot.labels);
    slot.ready = false;
    ++next_to_take_;
  }
  changed_.notify_all();
  return true;
}

}  // namespace qforge
