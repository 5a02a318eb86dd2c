// The interpreter's worker threads for splitting one operator's work (output tiles, row
// blocks). Run(tasks, fn) calls fn(task, worker) for every task in [0, tasks) and returns when
// all are done; worker in [0, size()) names the thread, so a kernel can give each its own
// scratch. Each worker first takes, in order, the tasks of its own contiguous share — the same
// share of the batch in every operator, so a layer mostly reads what the same core wrote in
// the layer before (lenet5 at batch 64 on 2 threads: 1.73-1.76x one thread, against 1.53-1.69x
// when every task went to whichever thread was free) — then helps with the others' shares, so
// a core slowed down by another process does not hold the run up. The calling thread is
// worker 0; a pool of size 1 runs everything inline. Run does not allocate. Between runs the
// workers spin briefly, then sleep. C++17 (std::thread).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <memory>
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

  // How many tasks `work` (multiply-accumulates, or bytes moved) is worth splitting into: at
  // most max_tasks, at least 1, none under min_task_work() — below about 2^18 a task costs
  // more to hand to another thread (a wake-up, cache lines changing cores) than to run where it
  // is. Tests lower the minimum to 1 so that small cases still split.
  int TasksFor(int64_t work, int max_tasks) const {
    return static_cast<int>(std::clamp<int64_t>(work / min_task_work_, 1, std::max(max_tasks, 1)));
  }
  int64_t min_task_work() const { return min_task_work_; }
  void set_min_task_work(int64_t work) { min_task_work_ = std::max<int64_t>(work, 1); }

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
  // Worker w's share of the run's tasks ends here (and w + 1's begins).
  int ShareEnd(int worker) const { return static_cast<int>(static_cast<int64_t>(tasks_) * (worker + 1) / size()); }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  bool stop_ = false;
  std::atomic<uint64_t> generation_{0};
  std::unique_ptr<std::atomic<int>[]> next_task_;  // per worker: the next task of its share
  std::atomic<int> pending_workers_{0};
  int tasks_ = 0;
  void* fn_ = nullptr;
  Trampoline call_ = nullptr;
  int64_t min_task_work_ = int64_t{1} << 18;
};

// Runs fn(task, worker) for tasks [0, tasks) on the pool (null: the caller's thread).
template <typename Fn>
void RunTasks(ThreadPool* pool, int tasks, Fn&& fn) {
  if (pool) {
    pool->Run(tasks, fn);
  } else {
    for (int t = 0; t < tasks; ++t) fn(t, 0);
  }
}

// fn(begin, end) over [0, n) in chunks of `chunk` elements, on the pool's threads (null: the
// caller's).
template <typename Fn>
void ForEachChunk(ThreadPool* pool, int64_t n, int64_t chunk, Fn&& fn) {
  const int tasks = static_cast<int>((n + chunk - 1) / chunk);
  RunTasks(pool, tasks, [&](int t, int) { fn(t * chunk, std::min(n, (t + 1) * chunk)); });
}

}  // namespace qforge::runtime
