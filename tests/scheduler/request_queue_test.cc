#include "scheduler/request_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace socd::scheduler {
namespace request_queue_test {

constexpr auto kFar = std::chrono::hours(1);

RequestInfo Req(uint32_t prio, uint64_t client = 0) {
  RequestInfo r;
  r.priority = prio;
  r.deadline = Clock::now() + kFar;
  r.client = client;
  return r;
}

// Starts threads that Acquire and record their id in completion order; each runner releases
// at once. Waits until every request is queued before the next one starts, so the queue's
// order is deterministic.
class Recorder {
 public:
  explicit Recorder(RequestQueue& q) : q_(q) {}
  ~Recorder() { Join(); }
  void Enqueue(int id, RequestInfo r) {
    const size_t before = q_.depth();
    ts_.emplace_back([this, id, r] {
      auto b = q_.Acquire(r);
      ASSERT_TRUE(b.ok()) << b.status();
      std::lock_guard<std::mutex> l(mu_);
      order_.push_back(id);
    });
    while (q_.depth() < before + 1) std::this_thread::yield();
  }
  std::vector<int> Join() {
    for (auto& t : ts_) t.join();
    ts_.clear();
    return order_;
  }

 private:
  RequestQueue& q_;
  std::mutex mu_;
  std::vector<int> order_;
  std::vector<std::thread> ts_;
};

TEST(RequestQueue, HigherPriorityRunsFirstThenFifo) {
  RequestQueue q({0, 3, 2});
  auto running = q.Acquire(Req(2));  // occupies the model
  ASSERT_TRUE(running.ok());
  ASSERT_FALSE(running->empty());
  Recorder rec(q);
  rec.Enqueue(1, Req(3));
  rec.Enqueue(2, Req(1));
  rec.Enqueue(3, Req(3));
  rec.Enqueue(4, Req(0));  // default level 2
  running->Release();
  EXPECT_EQ(rec.Join(), (std::vector<int>{2, 4, 1, 3}));
}

TEST(RequestQueue, ClientsAtOnePriorityAreServedRoundRobin) {
  RequestQueue q({0, 1, 1});
  auto running = q.Acquire(Req(1, /*client=*/7));
  ASSERT_TRUE(running.ok());
  Recorder rec(q);
  for (int i = 0; i < 6; ++i) rec.Enqueue(100 + i, Req(1, /*client=*/7));  // a flooding client
  rec.Enqueue(200, Req(1, /*client=*/8));                                  // a light client
  rec.Enqueue(201, Req(1, /*client=*/8));
  running->Release();
  const std::vector<int> order = rec.Join();
  // FIFO would serve the light client 7th; round-robin alternates from the first turn on.
  EXPECT_EQ(order, (std::vector<int>{100, 200, 101, 201, 102, 103, 104, 105}));
}

TEST(RequestQueue, FullQueueIsResourceExhausted) {
  RequestQueue q({1, 1, 1});
  auto running = q.Acquire(Req(1));
  std::thread waiter([&] {
    RequestInfo r = Req(1);
    r.deadline = Clock::now() + std::chrono::milliseconds(300);
    (void)q.Acquire(r);
  });
  while (q.depth() < 1) std::this_thread::yield();
  auto third = q.Acquire(Req(1));
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  waiter.join();
}

TEST(RequestQueue, DeadlineCancellationAndClose) {
  RequestQueue q({0, 1, 1});
  auto running = q.Acquire(Req(1));
  RequestInfo late = Req(1);
  late.deadline = Clock::now() + std::chrono::milliseconds(30);
  EXPECT_EQ(q.Acquire(late).status().code(), absl::StatusCode::kDeadlineExceeded);
  std::atomic<bool> gone{false};
  std::thread t([&] {
    RequestInfo r = Req(1);
    r.cancelled = [&] { return gone.load(); };
    EXPECT_EQ(q.Acquire(r).status().code(), absl::StatusCode::kCancelled);
  });
  while (q.depth() < 1) std::this_thread::yield();
  gone = true;
  t.join();
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_EQ(q.Acquire(Req(5)).status().code(), absl::StatusCode::kInvalidArgument);
  // Unloading the model: whoever waits gets the reason, and so does everyone after.
  std::thread waiter([&] {
    auto s = q.Acquire(Req(1)).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    EXPECT_NE(s.message().find("unloaded"), absl::string_view::npos);
  });
  while (q.depth() < 1) std::this_thread::yield();
  q.Close(absl::UnavailableError("model 'm' was unloaded"));
  waiter.join();
  EXPECT_EQ(q.Acquire(Req(1)).status().code(), absl::StatusCode::kUnavailable);
}

TEST(Dispatcher, FreedSlotsGoToModelsRoundRobin) {
  Dispatcher d(1);
  RequestQueue a({0, 1, 1}, &d), b({0, 1, 1}, &d), c({0, 1, 1}, &d);
  auto running = a.Acquire(Req(1));  // the only slot
  ASSERT_TRUE(running.ok());
  std::mutex mu;
  std::vector<char> order;
  std::vector<std::thread> ts;
  auto enqueue = [&](RequestQueue& q, char name) {
    const size_t before = q.depth();
    ts.emplace_back([&, name] {
      auto t = q.Acquire(Req(1));
      ASSERT_TRUE(t.ok());
      std::lock_guard<std::mutex> l(mu);
      order.push_back(name);
    });
    while (q.depth() < before + 1) std::this_thread::yield();
  };
  for (int i = 0; i < 3; ++i) enqueue(a, 'a');  // a floods its model
  enqueue(b, 'b');
  enqueue(c, 'c');
  running->Release();
  for (auto& t : ts) t.join();
  EXPECT_EQ(order, (std::vector<char>{'b', 'c', 'a', 'a', 'a'}));
}

}  // namespace request_queue_test
}  // namespace socd::scheduler
