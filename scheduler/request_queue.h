// Per-model admission and ordering of requests: priority levels (1 = most urgent), FIFO within
// a level, a bounded queue (RESOURCE_EXHAUSTED when full), deadlines enforced while waiting
// (DEADLINE_EXCEEDED) and cancellation (the client went away: CANCELLED). A request that
// reaches the front gets a Turn — exclusive use of the model's Session until it is released.
//
// Requests are not batched yet: each Turn runs one request (see docs/ARCHITECTURE.md).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>

#include "absl/status/statusor.h"

namespace socd::scheduler {

using Clock = std::chrono::steady_clock;

struct QueueOptions {
  size_t max_queue_size = 0;  // waiting requests; 0 = unbounded
  uint32_t priority_levels = 1;
  uint32_t default_priority = 1;
};

class RequestQueue;

// Exclusive right to run the model; releasing it (destruction) admits the next request.
class Turn {
 public:
  Turn() = default;
  Turn(Turn&& o) noexcept : q_(o.q_) { o.q_ = nullptr; }
  Turn& operator=(Turn&& o) noexcept;
  ~Turn();

 private:
  friend class RequestQueue;
  explicit Turn(RequestQueue* q) : q_(q) {}
  RequestQueue* q_ = nullptr;
};

class RequestQueue {
 public:
  explicit RequestQueue(QueueOptions o) : opts_(o) {}
  // priority 0 means the default level; larger than priority_levels is an error.
  absl::StatusOr<Turn> Acquire(uint32_t priority, Clock::time_point deadline,
                               const std::function<bool()>& cancelled);
  size_t depth() const;  // requests waiting (not counting the one running)
  const QueueOptions& options() const { return opts_; }

 private:
  friend class Turn;
  void Release();
  struct Key {
    uint32_t priority;
    uint64_t seq;
    bool operator<(const Key& o) const {
      return priority != o.priority ? priority < o.priority : seq < o.seq;
    }
    bool operator==(const Key& o) const { return priority == o.priority && seq == o.seq; }
  };
  QueueOptions opts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::set<Key> waiting_;
  uint64_t next_seq_ = 0;
  bool busy_ = false;
};

}  // namespace socd::scheduler
