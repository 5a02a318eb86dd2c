// The interpreter's worker threads for splitting one operator's work (output tiles, row
// blocks). Run(tasks, fn) calls fn(task, worker) for every task in [0, tasks) — tasks are
// taken in order by whichever thread is free; worker in [0, size()) names the thread, so a
// kernel can give each its own scratch — and returns when all are done. The calling thread is
// worker 0; a pool of size 1 runs everything inline. Run does not allocate. Between runs the
// workers spin briefly, then sleep. C++17 (std::thread).
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace qforge::runtime {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  template <typename Fn>
  void Run(int tasks, Fn&& fn) {
    if (workers_.empty() || tasks <= 1) {
      for (int t = 0; t < tasks; ++t) fn(t, 0);
      return;
    }
    using F = std::remove_reference_t<Fn>;
    RunErased(tasks, const_cast<void*>(static_cast<const void*>(&fn)),
              [](void* f, int task, int worker) { (*static_cast<F*>(f))(task, worker); });
  }

 private:
  using Trampoline = void (*)(void*, int, int);
  void RunErased(int tasks, void* fn, Trampoline call);
  void WorkerLoop(int worker);
  void TakeTasks(int worker);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  bool stop_ = false;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> next_task_{0}, pending_workers_{0};
  int tasks_ = 0;
  void* fn_ = nullptr;
  Trampoline call_ = nullptr;
};

// fn(begin, end) over [0, n) in chunks of `chunk` elements, on the pool's threads (null: the
// caller's).
template <typename Fn>
void ForEachChunk(ThreadPool* pool, int64_t n, int64_t chunk, Fn&& fn) {
  const int tasks = static_cast<int>((n + chunk - 1) / chunk);
  auto one = [&](int t, int) { fn(t * chunk, std::min(n, (t + 1) * chunk)); };
  if (pool) {
    pool->Run(tasks, one);
  } else {
    for (int t = 0; t < tasks; ++t) one(t, 0);
  }
}

}  // namespace qforge::runtime
