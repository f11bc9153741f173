#include "backends/cpu/thread_pool.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"

namespace socd::cpu {

// Every index of every loop runs exactly once, across many back-to-back loops of varying
// sizes: a worker claiming a chunk of the wrong loop would double-count or skip one.
TEST(ThreadPool, EveryIndexRunsOnceAcrossManyLoops) {
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    std::vector<std::atomic<int>> hits(997);
    for (int round = 0; round < 2000; ++round) {
      const int64_t n = 1 + (round * 37) % static_cast<int64_t>(hits.size());
      pool.ParallelFor(n, 1 + round % 5, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) hits[i].fetch_add(1, std::memory_order_relaxed);
      });
      for (int64_t i = 0; i < static_cast<int64_t>(hits.size()); ++i) {
        ASSERT_EQ(hits[i].exchange(0), i < n ? 1 : 0)
            << "threads " << threads << " round " << round << " index " << i;
      }
    }
  }
}

TEST(ThreadPool, NestedLoopRunsInline) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  pool.ParallelFor(8, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      pool.ParallelFor(10, 1, [&](int64_t ib, int64_t ie) { total.fetch_add(ie - ib); });
    }
  });
  EXPECT_EQ(total.load(), 80);
}

// Workers sleep after spinning; a loop after a long pause must still be picked up and done.
TEST(ThreadPool, LoopAfterWorkersSleptCompletes) {
  ThreadPool pool(3);
  std::atomic<int64_t> sum{0};
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    pool.ParallelFor(1000, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) sum.fetch_add(i);
    });
  }
  EXPECT_EQ(sum.load(), 3 * 999 * 1000 / 2);
}

}  // namespace socd::cpu
