#include "scheduler/request_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace socd::scheduler {
namespace {

constexpr auto kFar = std::chrono::hours(1);

TEST(RequestQueue, HigherPriorityRunsFirstThenFifo) {
  RequestQueue q({0, 3, 2});
  auto running = q.Acquire(2, Clock::now() + kFar, nullptr);  // occupies the model
  ASSERT_TRUE(running.ok());
  std::vector<int> order;
  std::mutex mu;
  std::vector<std::thread> ts;
  auto enqueue = [&](int id, uint32_t prio) {
    ts.emplace_back([&, id, prio] {
      auto t = q.Acquire(prio, Clock::now() + kFar, nullptr);
      ASSERT_TRUE(t.ok());
      std::lock_guard<std::mutex> l(mu);
      order.push_back(id);
    });
    while (q.depth() < static_cast<size_t>(ts.size())) std::this_thread::yield();
  };
  enqueue(1, 3);
  enqueue(2, 1);
  enqueue(3, 3);
  enqueue(4, 0);      // default level 2
  *running = Turn();  // release
  for (auto& t : ts) t.join();
  EXPECT_EQ(order, (std::vector<int>{2, 4, 1, 3}));
}

TEST(RequestQueue, FullQueueIsResourceExhausted) {
  RequestQueue q({1, 1, 1});
  auto running = q.Acquire(1, Clock::now() + kFar, nullptr);
  std::thread waiter(
      [&] { auto t = q.Acquire(1, Clock::now() + std::chrono::milliseconds(300), nullptr); });
  while (q.depth() < 1) std::this_thread::yield();
  auto third = q.Acquire(1, Clock::now() + kFar, nullptr);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  waiter.join();
}

TEST(RequestQueue, DeadlineAndCancellationWhileQueued) {
  RequestQueue q({0, 1, 1});
  auto running = q.Acquire(1, Clock::now() + kFar, nullptr);
  auto late = q.Acquire(1, Clock::now() + std::chrono::milliseconds(30), nullptr);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded);
  std::atomic<bool> gone{false};
  std::thread t([&] {
    auto c = q.Acquire(1, Clock::now() + kFar, [&] { return gone.load(); });
    EXPECT_EQ(c.status().code(), absl::StatusCode::kCancelled);
  });
  while (q.depth() < 1) std::this_thread::yield();
  gone = true;
  t.join();
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_EQ(q.Acquire(5, Clock::now() + kFar, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace socd::scheduler
