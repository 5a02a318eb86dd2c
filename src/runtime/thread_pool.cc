// ThreadPool: a generation counter starts a run; workers spin on it for a while (200 us)
// before sleeping on a condition variable, so back-to-back operators do not pay a wake-up each.
#include "runtime/thread_pool.h"

#include <algorithm>
#include <chrono>

namespace qforge::runtime {
namespace {

// How long a waiting thread spins before it sleeps. Spinning uses the CPU's pause hint, not
// sched_yield: on a shared machine a yield can hand the core to another process for a whole
// time slice.
constexpr auto kSpin = std::chrono::microseconds(200);

inline void Pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until done() or kSpin has passed; true if done.
template <typename Done>
bool SpinUntil(Done&& done) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      Pause();
    }
    if (std::chrono::steady_clock::now() - start > kSpin) return done();
  }
}

}  // namespace

ThreadPool::ThreadPool(int threads) : next_task_(new std::atomic<int>[std::max(threads, 1)]) {
  for (int w = 1; w < threads; ++w) workers_.emplace_back([this, w] { WorkerLoop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::TakeTasks(int worker) {
  const int n = size();
  for (int k = 0; k < n; ++k) {  // its own share first, then the others'
    const int share = (worker + k) % n, end = ShareEnd(share);
    for (int t = next_task_[share].fetch_add(1); t < end; t = next_task_[share].fetch_add(1)) call_(fn_, t, worker);
  }
}

void ThreadPool::RunErased(int tasks, void* fn, Trampoline call) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_ = tasks;
    fn_ = fn;
    call_ = call;
    for (int w = 0; w < size(); ++w) next_task_[w].store(w == 0 ? 0 : ShareEnd(w - 1));
    pending_workers_.store(static_cast<int>(workers_.size()));
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  TakeTasks(0);
  if (!SpinUntil([this] { return pending_workers_.load() == 0; })) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_workers_.load() == 0; });
  }
}

void ThreadPool::WorkerLoop(int worker) {
  uint64_t seen = 0;
  for (;;) {
    if (!SpinUntil([&] { return generation_.load() != seen; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
    }
    // The run's fields (and stop_) were written before the generation moved on: seeing the new
    // generation (a sequentially consistent load) makes them visible without the mutex.
    seen = generation_.load();
    if (stop_) return;
    TakeTasks(worker);
    if (pending_workers_.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

}  // namespace qforge::runtime
