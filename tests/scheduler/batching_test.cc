#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "scheduler/batcher.h"
#include "scheduler/request_queue.h"

namespace socd::scheduler {
namespace batching_test {

QueueOptions Batched(uint32_t max, std::vector<uint32_t> preferred,
                     std::chrono::microseconds delay) {
  QueueOptions o;
  o.batching.max_batch_size = max;
  o.batching.preferred_batch_sizes = std::move(preferred);
  o.batching.max_queue_delay = delay;
  return o;
}

struct Member {
  RequestInfo info;
  int id = 0;
  absl::Status status = absl::UnknownError("not run");
  size_t batch_size = 0;  // set by the runner
};

// Runs a request: a runner records each member's batch size and completes the others.
void RunMember(RequestQueue& q, Member& m) {
  m.info.payload = &m;
  auto b = q.Acquire(m.info);
  if (!b.ok()) {
    m.status = b.status();
    return;
  }
  if (!b->empty()) {
    for (size_t i = 0; i < b->size(); ++i)
      static_cast<Member*>(b->payload(i))->batch_size = b->size();
    b->Release();
    for (size_t i = 1; i < b->size(); ++i) b->Complete(i, absl::OkStatus());
  }
  m.status = absl::OkStatus();
}

TEST(Batching, QueuedCompatibleRequestsRunAsOneBatchUpToMax) {
  RequestQueue q(Batched(4, {}, std::chrono::hours(1)));
  Member first;
  first.info.rows = 4;  // a full batch: runs at once
  auto running = q.Acquire(first.info);
  ASSERT_TRUE(running.ok());
  ASSERT_EQ(running->size(), 1u);
  std::vector<Member> ms(6);
  std::vector<std::thread> ts;
  for (size_t i = 0; i < ms.size(); ++i) {
    ms[i].info.rows = i < 2 ? 2 : 1;  // 2+2 rows, then 4 x 1 row
    ts.emplace_back([&, i] { RunMember(q, ms[i]); });
    while (q.depth() < i + 1) std::this_thread::yield();
  }
  running->Release();
  for (auto& t : ts) t.join();
  for (const auto& m : ms) {
    EXPECT_TRUE(m.status.ok()) << m.status;
    EXPECT_EQ(m.batch_size, m.info.rows == 2 ? 2u : 4u);  // {2,2} then {1,1,1,1}: 4 rows each
  }
}

TEST(Batching, PreferredSizeDispatchesWithoutWaitingForTheDelay) {
  RequestQueue q(Batched(8, {2}, std::chrono::hours(1)));
  Member a, b;
  std::thread ta([&] { RunMember(q, a); });
  while (q.depth() < 1) std::this_thread::yield();  // alone: held back for company
  std::thread tb([&] { RunMember(q, b); });
  ta.join();
  tb.join();
  EXPECT_EQ(a.batch_size, 2u);
  EXPECT_EQ(b.batch_size, 2u);
}

TEST(Batching, DelayEndsAndALoneRequestRuns) {
  RequestQueue q(Batched(8, {4}, std::chrono::milliseconds(20)));
  Member a;
  RunMember(q, a);
  EXPECT_TRUE(a.status.ok());
  EXPECT_EQ(a.batch_size, 1u);
}

TEST(Batching, DifferentKeysNeverShareABatch) {
  RequestQueue q(Batched(8, {}, std::chrono::microseconds(0)));
  Member hold;
  auto running = q.Acquire(hold.info);
  std::vector<Member> ms(4);
  std::vector<std::thread> ts;
  for (size_t i = 0; i < ms.size(); ++i) {
    ms[i].info.batch_key = i % 2;
    ts.emplace_back([&, i] { RunMember(q, ms[i]); });
    while (q.depth() < i + 1) std::this_thread::yield();
  }
  running->Release();
  for (auto& t : ts) t.join();
  for (const auto& m : ms) EXPECT_EQ(m.batch_size, 2u);
}

TEST(Batching, UnfinishedMembersFailInsteadOfHanging) {
  RequestQueue q(Batched(8, {}, std::chrono::microseconds(0)));
  Member hold;
  auto running = q.Acquire(hold.info);
  Member first, second;
  std::thread t1([&] {
    auto b = q.Acquire(first.info);  // first in line: runs the batch, then drops it unfinished
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->size(), 2u);
  });
  while (q.depth() < 1) std::this_thread::yield();
  std::thread t2([&] { second.status = q.Acquire(second.info).status(); });
  while (q.depth() < 2) std::this_thread::yield();
  running->Release();
  t1.join();
  t2.join();
  EXPECT_EQ(second.status.code(), absl::StatusCode::kInternal) << second.status;
}

TEST(Batcher, ConcatAndSliceRoundTrip) {
  std::vector<float> a = {1, 2, 3, 4}, b = {5, 6};
  graph::TensorView va{graph::DType::kFloat32, {2, 2}, a.data()};
  graph::TensorView vb{graph::DType::kFloat32, {1, 2}, b.data()};
  EXPECT_EQ(BatchKey({va}), BatchKey({vb}));
  graph::TensorView vc{graph::DType::kFloat32, {1, 3}, b.data()};
  EXPECT_NE(BatchKey({va}), BatchKey({vc}));
  auto stacked = ConcatRows({{va}, {vb}});
  ASSERT_EQ(stacked.size(), 1u);
  EXPECT_EQ(stacked[0].shape(), (graph::Shape{3, 2}));
  const graph::TensorView second = RowSlice(stacked[0].view(), 2, 1);
  EXPECT_EQ(second.shape, (graph::Shape{1, 2}));
  EXPECT_EQ(second.as<float>()[0], 5);
  EXPECT_EQ(second.as<float>()[1], 6);
  EXPECT_FALSE(BatchRows({va, vb}, {"x", "y"}).ok());
  EXPECT_EQ(*BatchRows({va}, {"x"}), 2u);
}

}  // namespace batching_test
}  // namespace socd::scheduler
