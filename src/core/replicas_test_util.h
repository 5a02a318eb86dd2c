// For tests: the replicas of a data-parallel job as threads of one process. Each thread holds
// a ThreadReplica; their reductions meet at a shared exchange (summing in rank order), so a
// test can run replicas on shards of a batch and compare with one run on the whole batch.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "core/replicas.h"

namespace qforge::testing {

class ReplicaExchange {
 public:
  explicit ReplicaExchange(int size) : size_(size), slots_(size) {}
  int size() const { return size_; }

  // Blocks until every replica has called with its values, then gives each the combination.
  void Reduce(int rank, double* values, int64_t count, const std::function<double(double, double)>& combine) {
    std::unique_lock<std::mutex> lock(mutex_);
    slots_[rank].assign(values, values + count);
    const uint64_t generation = generation_;
    if (++arrived_ == size_) {
      result_ = slots_[0];
      for (int r = 1; r < size_; ++r)
        for (size_t i = 0; i < result_.size(); ++i) result_[i] = combine(result_[i], slots_[r][i]);
      arrived_ = 0;
      ++generation_;
      changed_.notify_all();
    } else {
      changed_.wait(lock, [&] { return generation_ != generation; });
    }
    std::copy(result_.begin(), result_.end(), values);
  }

 private:
  int size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<double>> slots_;
  std::vector<double> result_;
  int arrived_ = 0;
  uint64_t generation_ = 0;
};

class ThreadReplica : public ReplicaGroup {
 public:
  ThreadReplica(ReplicaExchange* exchange, int rank) : exchange_(exchange), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return exchange_->size(); }
  void Sum(double* values, int64_t count) override {
    exchange_->Reduce(rank_, values, count, [](double a, double b) { return a + b; });
  }
  void Min(float* values, int64_t count) override {
    Floats(values, count, [](double a, double b) { return std::min(a, b); });
  }
  void Max(float* values, int64_t count) override {
    Floats(values, count, [](double a, double b) { return std::max(a, b); });
  }

 private:
  void Floats(float* values, int64_t count, const std::function<double(double, double)>& combine) {
    std::vector<double> d(values, values + count);
    exchange_->Reduce(rank_, d.data(), count, combine);
    for (int64_t i = 0; i < count; ++i) values[i] = static_cast<float>(d[i]);
  }

  ReplicaExchange* exchange_;
  int rank_;
};

}  // namespace qforge::testing
