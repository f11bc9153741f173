// Per-model admission, ordering and batching of requests, and the sharing of execution slots
// between models.
//
// - Admission: priority levels (1 = most urgent), a bounded queue (RESOURCE_EXHAUSTED when
//   full), deadlines enforced while waiting (DEADLINE_EXCEEDED), cancellation (the client went
//   away: CANCELLED), Close() when the model is unloaded (UNAVAILABLE to everyone waiting).
// - Fairness: within a priority level the queue serves client identities round-robin (FIFO per
//   client), so one client with many requests in flight cannot starve a client with one. Across
//   models a Dispatcher hands free execution slots to models with work in round-robin order.
// - Dynamic batching: requests with equal batch keys (same inputs, dtypes and shapes past dim
//   0) are grouped up to max_batch_size rows, preferring the largest preferred size available,
//   waiting at most max_queue_delay for more to arrive (Triton's dynamic batcher).
//
// No extra threads: the thread of the batch's first request runs the whole batch ("runner") and
// completes the others, whose threads wait on their own condition variable (one wake each).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"

namespace socd::scheduler {

using Clock = std::chrono::steady_clock;

struct BatchingOptions {
  uint32_t max_batch_size = 0;                  // rows per execution; <= 1: no batching
  std::vector<uint32_t> preferred_batch_sizes;  // any order
  std::chrono::microseconds max_queue_delay{0};
};

struct QueueOptions {
  size_t max_queue_size = 0;  // waiting requests; 0 = unbounded
  uint32_t priority_levels = 1;
  uint32_t default_priority = 1;
  BatchingOptions batching;
};

// What the queue needs to know about one request.
struct RequestInfo {
  uint32_t priority = 0;  // 0: the default level
  Clock::time_point deadline = Clock::time_point::max();
  uint64_t client = 0;              // fairness identity (the daemon uses the peer's pid)
  uint64_t batch_key = 0;           // only requests with equal keys share a batch
  uint32_t rows = 1;                // what the request adds to a batch (its dim 0)
  std::function<bool()> cancelled;  // polled while waiting; may be empty
  void* payload = nullptr;          // handed to the runner of the request's batch
};

class Dispatcher;
class RequestQueue;
struct QueueTicket;

// The requests one execution runs. The caller that receives a non-empty Batch from Acquire is
// its runner: member 0 is its own request. It runs all members, Complete()s members 1..n-1 and
// Release()s the model; the destructor does what was left (members get INTERNAL).
class Batch {
 public:
  Batch() = default;
  Batch(Batch&& o) noexcept { *this = std::move(o); }
  Batch& operator=(Batch&& o) noexcept;
  ~Batch();

  // Empty: the request ran in another request's batch and its outcome is final (OK).
  bool empty() const { return q_ == nullptr; }
  size_t size() const { return payloads_.size(); }
  void* payload(size_t i) const { return payloads_[i]; }
  uint32_t rows(size_t i) const { return rows_[i]; }
  uint32_t total_rows() const;
  // Member i >= 1 gets its final status; its thread wakes and returns it from Acquire.
  void Complete(size_t i, absl::Status s);
  // The model may start its next batch (call once outputs are out of the model's memory).
  void Release();

 private:
  friend class RequestQueue;
  void Finish();
  RequestQueue* q_ = nullptr;
  bool released_ = true;
  std::vector<void*> payloads_;
  std::vector<uint32_t> rows_;
  std::vector<QueueTicket*> tickets_;  // [0] is null: the runner is the caller
};

// Execution slots shared by the queues registered with it: at most `slots` batches run at once,
// and a freed slot goes to the next model with a batch due, round-robin from the last one served.
class Dispatcher {
 public:
  explicit Dispatcher(int slots = 1) : slots_(slots < 1 ? 1 : slots), free_(slots_) {}
  int slots() const { return slots_; }

 private:
  friend class RequestQueue;
  friend class Batch;
  void DispatchLocked(Clock::time_point now);
  std::mutex mu_;  // guards this and every registered queue: decisions span models
  const int slots_;
  int free_;
  std::vector<RequestQueue*> queues_;
  size_t cursor_ = 0;
};

class RequestQueue {
 public:
  // `dispatcher` null: a private one with one slot (the queue alone decides).
  explicit RequestQueue(QueueOptions o, Dispatcher* dispatcher = nullptr);
  ~RequestQueue();
  RequestQueue(const RequestQueue&) = delete;
  RequestQueue& operator=(const RequestQueue&) = delete;

  // Blocks until the request is due. Returns its runner Batch, an empty Batch when another
  // request's runner completed it OK, or the error that ended it (queue full, deadline,
  // cancelled, closed, or the status its runner completed it with).
  absl::StatusOr<Batch> Acquire(const RequestInfo& r);
  // Everyone waiting, and every later Acquire, fails with `why` (the model was unloaded).
  void Close(absl::Status why);
  size_t depth() const;  // requests waiting (not counting running batches)
  const QueueOptions& options() const { return opts_; }

 private:
  friend class Dispatcher;
  friend class Batch;
  struct ClientQueue {
    uint64_t client;
    std::deque<QueueTicket*> tickets;  // FIFO
  };
  bool batching() const { return opts_.batching.max_batch_size > 1; }
  void EnqueueLocked(QueueTicket* t);
  void RemoveLocked(QueueTicket* t);
  // Starts the next batch if one is due at `now` (marks busy, wakes its runner); otherwise
  // arms the head's timer for when the batching delay ends and returns false.
  bool TryStartLocked(Clock::time_point now);
  std::vector<QueueTicket*> ChooseBatchLocked(QueueTicket* head, Clock::time_point now,
                                              bool* due) const;

  std::unique_ptr<Dispatcher> own_dispatcher_;
  Dispatcher* d_;
  QueueOptions opts_;
  // Per priority level, the clients with waiting requests in round-robin order (front next).
  std::vector<std::deque<ClientQueue>> levels_;
  size_t waiting_ = 0;
  bool busy_ = false;
  absl::Status closed_;
  // While a batch is held back for more requests: when it is due and who wakes up then.
  Clock::time_point wake_at_ = Clock::time_point::max();
  QueueTicket* timer_ = nullptr;
};

}  // namespace socd::scheduler
