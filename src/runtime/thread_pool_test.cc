// ThreadPool: every task runs exactly once per Run, worker indices stay in range, runs can
// follow each other back to back (the spinning path) and after the workers went to sleep,
// workers start with their own share of the tasks, and a pool of one runs inline on the
// caller's thread.
#include "runtime/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace qforge::runtime {
namespace {

TEST(ThreadPool, EveryTaskOnceWorkersInRange) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int round = 0; round < 200; ++round) {
      const int tasks = 1 + round % 37;
      std::vector<std::atomic<int>> runs(tasks);
      std::atomic<bool> bad_worker{false};
      pool.Run(tasks, [&](int task, int worker) {
        runs[task].fetch_add(1);
        if (worker < 0 || worker >= threads) bad_worker = true;
      });
      for (int t = 0; t < tasks; ++t) ASSERT_EQ(runs[t].load(), 1) << threads << " threads, round " << round;
      ASSERT_FALSE(bad_worker.load());
      if (round == 100) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let workers sleep
    }
  }
}

TEST(ThreadPool, WorkersStartWithTheirOwnShare) {
  // 2 threads, 20 tasks of 0.5 ms: the caller (worker 0) starts with task 0, the other worker
  // with task 10, the first of its share; each share ends up mostly with its owner.
  ThreadPool pool(2);
  std::vector<int> ran_on(20, -1);
  pool.Run(20, [&](int task, int worker) {
    ran_on[task] = worker;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  });
  EXPECT_EQ(ran_on[0], 0);
  EXPECT_EQ(ran_on[10], 1);
  int own = 0;
  for (int t = 0; t < 20; ++t) own += ran_on[t] == t / 10;
  EXPECT_GE(own, 16);
}

TEST(ThreadPool, OneThreadRunsInline) {
  ThreadPool pool(1);
  const std::thread::id caller = std::this_thread::get_id();
  bool inline_only = true;
  pool.Run(10, [&](int, int worker) { inline_only &= worker == 0 && std::this_thread::get_id() == caller; });
  EXPECT_TRUE(inline_only);
}

}  // namespace
}  // namespace qforge::runtime
