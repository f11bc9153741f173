#include "scheduler/request_queue.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace socd::scheduler {

// One waiting request; lives on the stack of the thread blocked in Acquire.
struct QueueTicket {
  QueueTicket(const RequestInfo* i, uint32_t p, Clock::time_point t)
      : info(i), priority(p), enqueued(t) {}
  const RequestInfo* info;
  uint32_t priority;
  Clock::time_point enqueued;
  std::condition_variable cv;  // this request's own wake-up: no thundering herd
  enum class State { kWaiting, kRunner, kMember, kDone } state = State::kWaiting;
  Batch batch;  // kRunner: what to run
  absl::Status status;
};

// ---- Batch ----

Batch& Batch::operator=(Batch&& o) noexcept {
  if (this != &o) {
    Finish();
    q_ = o.q_;
    released_ = o.released_;
    payloads_ = std::move(o.payloads_);
    rows_ = std::move(o.rows_);
    tickets_ = std::move(o.tickets_);
    o.q_ = nullptr;
    o.released_ = true;
  }
  return *this;
}

Batch::~Batch() { Finish(); }

uint32_t Batch::total_rows() const {
  uint32_t n = 0;
  for (uint32_t r : rows_) n += r;
  return n;
}

void Batch::Complete(size_t i, absl::Status s) {
  if (q_ == nullptr || i == 0 || i >= tickets_.size() || tickets_[i] == nullptr) return;
  std::lock_guard<std::mutex> l(q_->d_->mu_);
  QueueTicket* t = tickets_[i];
  t->status = std::move(s);
  t->state = QueueTicket::State::kDone;
  t->cv.notify_one();  // under the lock: the ticket lives until its owner sees kDone
  tickets_[i] = nullptr;
}

void Batch::Release() {
  if (q_ == nullptr || released_) return;
  released_ = true;
  std::lock_guard<std::mutex> l(q_->d_->mu_);
  q_->busy_ = false;
  q_->d_->free_++;
  q_->d_->DispatchLocked(Clock::now());
}

void Batch::Finish() {
  if (q_ == nullptr) return;
  for (size_t i = 1; i < tickets_.size(); ++i) {
    Complete(i, absl::InternalError("the request's batch ended without a result for it"));
  }
  Release();
  q_ = nullptr;
}

// ---- Dispatcher ----

void Dispatcher::DispatchLocked(Clock::time_point now) {
  while (free_ > 0 && !queues_.empty()) {
    bool started = false;
    const size_t n = queues_.size();
    for (size_t k = 0; k < n; ++k) {
      const size_t i = (cursor_ + k) % n;
      RequestQueue* q = queues_[i];
      if (q->busy_ || q->waiting_ == 0) continue;
      if (q->TryStartLocked(now)) {
        --free_;
        cursor_ = (i + 1) % n;  // the next free slot looks at the following model first
        started = true;
        break;
      }
    }
    if (!started) return;
  }
}

// ---- RequestQueue ----

RequestQueue::RequestQueue(QueueOptions o, Dispatcher* dispatcher) : opts_(std::move(o)) {
  if (dispatcher == nullptr) {
    own_dispatcher_ = std::make_unique<Dispatcher>(1);
    dispatcher = own_dispatcher_.get();
  }
  d_ = dispatcher;
  levels_.resize(std::max<uint32_t>(1, opts_.priority_levels));
  std::lock_guard<std::mutex> l(d_->mu_);
  d_->queues_.push_back(this);
}

RequestQueue::~RequestQueue() {
  std::lock_guard<std::mutex> l(d_->mu_);
  auto& qs = d_->queues_;
  auto it = std::find(qs.begin(), qs.end(), this);
  if (it != qs.end()) {
    const size_t i = static_cast<size_t>(it - qs.begin());
    qs.erase(it);
    if (d_->cursor_ > i) --d_->cursor_;
    if (d_->cursor_ >= qs.size()) d_->cursor_ = 0;
  }
}

size_t RequestQueue::depth() const {
  std::lock_guard<std::mutex> l(d_->mu_);
  return waiting_;
}

void RequestQueue::EnqueueLocked(QueueTicket* t) {
  auto& level = levels_[t->priority - 1];
  for (auto& cq : level) {
    if (cq.client == t->info->client) {
      cq.tickets.push_back(t);
      ++waiting_;
      return;
    }
  }
  level.push_back(ClientQueue{t->info->client, {t}});  // a new client waits one round at most
  ++waiting_;
}

void RequestQueue::RemoveLocked(QueueTicket* t) {
  auto& level = levels_[t->priority - 1];
  for (auto it = level.begin(); it != level.end(); ++it) {
    if (it->client != t->info->client) continue;
    auto& ts = it->tickets;
    ts.erase(std::find(ts.begin(), ts.end(), t));
    if (ts.empty()) level.erase(it);
    --waiting_;
    break;
  }
  if (timer_ == t) {
    timer_ = nullptr;
    wake_at_ = Clock::time_point::max();
  }
}

std::vector<QueueTicket*> RequestQueue::ChooseBatchLocked(QueueTicket* head, Clock::time_point now,
                                                          bool* due) const {
  std::vector<QueueTicket*> chosen{head};
  *due = true;
  if (!batching()) return chosen;
  const BatchingOptions& b = opts_.batching;
  // Candidates in service order: priority, then round-robin rounds over clients.
  uint32_t total = head->info->rows;
  Clock::time_point oldest = head->enqueued;
  for (const auto& level : levels_) {
    for (size_t round = 0;; ++round) {
      bool any = false;
      for (const auto& cq : level) {
        if (round >= cq.tickets.size()) continue;
        any = true;
        QueueTicket* t = cq.tickets[round];
        if (t == head || t->info->batch_key != head->info->batch_key) continue;
        if (total + t->info->rows > b.max_batch_size) continue;
        chosen.push_back(t);
        total += t->info->rows;
        oldest = std::min(oldest, t->enqueued);
      }
      if (!any) break;
    }
  }
  // Prefer the largest preferred size reachable now; else everything, once full or once the
  // oldest member has waited max_queue_delay.
  uint32_t target = 0;
  for (uint32_t p : b.preferred_batch_sizes) {
    if (p <= total) target = std::max(target, p);
  }
  if (target > 0) {
    std::vector<QueueTicket*> cut;
    uint32_t n = 0;
    for (QueueTicket* t : chosen) {
      if (n + t->info->rows <= target || cut.empty()) {
        cut.push_back(t);
        n += t->info->rows;
      }
    }
    return cut;
  }
  *due = total >= b.max_batch_size || now >= oldest + b.max_queue_delay;
  return chosen;
}

bool RequestQueue::TryStartLocked(Clock::time_point now) {
  QueueTicket* head = nullptr;
  std::deque<ClientQueue>* head_level = nullptr;
  for (auto& level : levels_) {
    if (!level.empty()) {
      head = level.front().tickets.front();
      head_level = &level;
      break;
    }
  }
  if (head == nullptr) return false;
  bool due = false;
  std::vector<QueueTicket*> members = ChooseBatchLocked(head, now, &due);
  if (!due) {
    // Hold the batch back for more requests; the head wakes when the delay is over.
    Clock::time_point oldest = head->enqueued;
    for (QueueTicket* t : members) oldest = std::min(oldest, t->enqueued);
    const Clock::time_point at = oldest + opts_.batching.max_queue_delay;
    if (timer_ != head || wake_at_ != at) {
      timer_ = head;
      wake_at_ = at;
      head->cv.notify_one();
    }
    return false;
  }
  // Served clients move to the back of their level's rotation.
  std::vector<uint64_t> served;
  for (QueueTicket* t : members) {
    RemoveLocked(t);
    if (std::find(served.begin(), served.end(), t->info->client) == served.end()) {
      served.push_back(t->info->client);
    }
  }
  (void)head_level;
  for (auto& level : levels_) {
    std::stable_partition(level.begin(), level.end(), [&](const ClientQueue& cq) {
      return std::find(served.begin(), served.end(), cq.client) == served.end();
    });
  }
  timer_ = nullptr;
  wake_at_ = Clock::time_point::max();
  busy_ = true;
  Batch b;
  b.q_ = this;
  b.released_ = false;
  for (QueueTicket* t : members) {
    b.payloads_.push_back(t->info->payload);
    b.rows_.push_back(t->info->rows);
    b.tickets_.push_back(t == head ? nullptr : t);
    if (t != head) t->state = QueueTicket::State::kMember;
  }
  head->batch = std::move(b);
  head->state = QueueTicket::State::kRunner;
  head->cv.notify_one();
  return true;
}

absl::StatusOr<Batch> RequestQueue::Acquire(const RequestInfo& r) {
  uint32_t priority = r.priority == 0 ? opts_.default_priority : r.priority;
  if (priority < 1 || priority > levels_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("priority ", r.priority,
                                                   " is out of range: the model has ",
                                                   levels_.size(), " priority level(s)"));
  }
  if (batching() && (r.rows < 1 || r.rows > opts_.batching.max_batch_size)) {
    return absl::InvalidArgumentError(absl::StrCat("batch size ", r.rows, " is outside [1, ",
                                                   opts_.batching.max_batch_size, "]"));
  }
  std::unique_lock<std::mutex> l(d_->mu_);
  if (!closed_.ok()) return closed_;
  if (opts_.max_queue_size > 0 && waiting_ >= opts_.max_queue_size) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the model's queue is full (", opts_.max_queue_size, " requests waiting)"));
  }
  QueueTicket t(&r, priority, Clock::now());
  EnqueueLocked(&t);
  d_->DispatchLocked(t.enqueued);
  using State = QueueTicket::State;
  for (;;) {
    if (t.state == State::kRunner) return std::move(t.batch);
    if (t.state == State::kDone) {
      if (!t.status.ok()) return t.status;
      return Batch();
    }
    if (t.state == State::kMember) {  // the runner always completes it (Batch::Finish)
      t.cv.wait(l);
      continue;
    }
    const auto now = Clock::now();
    absl::Status gone;
    if (now >= r.deadline) {
      gone = absl::DeadlineExceededError("the request's deadline passed while it was queued");
    } else if (r.cancelled && r.cancelled()) {
      gone = absl::CancelledError("the client cancelled the request while it was queued");
    }
    if (!gone.ok()) {
      RemoveLocked(&t);
      d_->DispatchLocked(now);  // the next in line may be due now (or need a timer)
      return gone;
    }
    if (timer_ == &t && now >= wake_at_) {
      d_->DispatchLocked(now);  // the batching delay is over
      continue;
    }
    // Wake at the deadline, when the batching delay ends, or periodically to notice a client
    // that went away.
    Clock::time_point until = std::min(r.deadline, now + std::chrono::milliseconds(20));
    if (timer_ == &t) until = std::min(until, wake_at_);
    t.cv.wait_until(l, until);
  }
}

void RequestQueue::Close(absl::Status why) {
  std::lock_guard<std::mutex> l(d_->mu_);
  closed_ = why.ok() ? absl::UnavailableError("the model's queue is closed") : std::move(why);
  for (auto& level : levels_) {
    for (auto& cq : level) {
      for (QueueTicket* t : cq.tickets) {
        t->state = QueueTicket::State::kDone;
        t->status = closed_;
        t->cv.notify_one();
      }
    }
    level.clear();
  }
  waiting_ = 0;
  timer_ = nullptr;
  wake_at_ = Clock::time_point::max();
}

}  // namespace socd::scheduler
