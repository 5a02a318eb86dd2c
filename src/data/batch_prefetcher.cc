// Worker threads (and the consumer, when it would wait) reading batch slots' examples.
#include "data/batch_prefetcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <new>

#include <sched.h>

namespace qforge {

BatchPrefetcher::BatchPrefetcher(const ImageDataset& data, const InputMapper& mapper, Augment augment,
                                 uint64_t augment_seed, const std::vector<int64_t>& order,
                                 std::vector<std::pair<int64_t, int64_t>> ranges, Prefetch prefetch)
    : data_(data), mapper_(mapper), augment_(augment), augment_seed_(augment_seed), order_(order),
      ranges_(std::move(ranges)), slots_(static_cast<size_t>(std::max(1, prefetch.depth))) {
  const int threads = std::max(1, prefetch.threads);
  try {
    // Every thread's buffers allocated here, so running out of memory later is only possible
    // inside Fill, which reports it.
    const auto size = static_cast<size_t>(data_.example_size());
    buffers_.assign(threads + 1, Buffers{std::vector<uint8_t>(size), std::vector<float>(size)});
    {
      std::lock_guard<std::mutex> lock(mutex_);
      OpenBatches();
    }
    for (int t = 0; t < threads; ++t) workers_.emplace_back([this, t] { Work(buffers_[t]); });
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

void BatchPrefetcher::OpenBatches() {
  const auto depth = static_cast<int64_t>(slots_.size()), batches = static_cast<int64_t>(ranges_.size());
  for (; next_to_open_ < std::min(batches, next_to_take_ + depth); ++next_to_open_) {
    Slot& slot = slots_[next_to_open_ % depth];
    slot.batch = next_to_open_;
    slot.size = ranges_[next_to_open_].second;
    slot.claimed = slot.done = 0;
    slot.status = Status::Ok();
    slot.images.Resize({slot.size, data_.channels, data_.height, data_.width});
    slot.labels.resize(slot.size);
  }
}

bool BatchPrefetcher::ReadOneExample(Slot& slot, std::unique_lock<std::mutex>& lock, Buffers& buffers) {
  if (slot.batch < 0 || slot.claimed == slot.size) return false;
  const int64_t example = slot.claimed++;
  lock.unlock();
  Status status;
  try {
    status = Fill(slot, example, buffers);
  } catch (const std::bad_alloc&) {  // an error for Next, not a crash
    status = Status(StatusCode::kFailedPrecondition, fmt::format("reading batch {}: out of memory", slot.batch));
  } catch (const std::exception& e) {
    status = Status(StatusCode::kFailedPrecondition, fmt::format("reading batch {}: {}", slot.batch, e.what()));
  }
  lock.lock();
  if (!status.ok() && slot.status.ok()) slot.status = status;
  if (++slot.done == slot.size) changed_.notify_all();
  return true;
}

void BatchPrefetcher::Work(Buffers& buffers) {
  // The OpenMP team of the training step is lock-step: a loader thread preempting one of its
  // threads stalls all of them (measured: resnet streamed at 76% of its in-memory speed, loading
  // being ~4% of the work). At idle priority the loaders run on cores the team leaves free, and
  // when the consumer waits for a batch. Lowering one's own priority needs no privilege.
  sched_param idle{};
  sched_setscheduler(0, SCHED_IDLE, &idle);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    // An example of the earliest open batch with examples left (batches next_to_take_ onwards).
    bool read = false;
    for (int64_t b = next_to_take_; b < next_to_open_ && !read && !stopping_; ++b)
      read = ReadOneExample(slots_[b % static_cast<int64_t>(slots_.size())], lock, buffers);
    if (stopping_) return;
    if (!read) {
      // Claims go in batch order: once the last batch is open and its examples handed out, so
      // are all the epoch's.
      const auto batches = static_cast<int64_t>(ranges_.size()), depth = static_cast<int64_t>(slots_.size());
      if (next_to_open_ == batches && (batches == 0 || slots_[(batches - 1) % depth].claimed == ranges_.back().second))
        return;
      changed_.wait(lock);
    }
  }
}

Status BatchPrefetcher::Fill(Slot& slot, int64_t example, Buffers& buffers) {
  const int64_t place = ranges_[slot.batch].first + example, index = order_[place], per = data_.example_size();
  QF_RETURN_IF_ERROR(data_.source->Read(index, buffers.pixels.data()));
  ExampleInputs(mapper_, data_.channels, data_.height, data_.width, augment_, augment_seed_, place, buffers.example,
                [&](float* out) { mapper_.PixelsNchw(buffers.pixels.data(), out); }, slot.images.data() + example * per);
  return Status::Ok();
}

StatusOr<bool> BatchPrefetcher::Next(Tensor* images, std::vector<int32_t>* labels) {
  if (next_to_take_ >= static_cast<int64_t>(ranges_.size())) return false;
  std::unique_lock<std::mutex> lock(mutex_);
  Slot& slot = slots_[next_to_take_ % static_cast<int64_t>(slots_.size())];
  // Read what is left of this batch here rather than wait for it.
  while (ReadOneExample(slot, lock, buffers_.back())) {}
  changed_.wait(lock, [&] { return slot.done == slot.size; });
  QF_RETURN_IF_ERROR(slot.status);
  for (int64_t i = 0; i < slot.size; ++i) {
    const int64_t index = order_[ranges_[slot.batch].first + i];
    slot.labels[i] = data_.labels.empty() ? -1 : data_.labels[index];
  }
  std::swap(*images, slot.images);
  std::swap(*labels, slot.labels);
  slot.batch = -1;
  ++next_to_take_;
  OpenBatches();
  lock.unlock();
  changed_.notify_all();
  return true;
}

}  // namespace qforge
