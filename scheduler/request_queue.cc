#include "scheduler/request_queue.h"

#include "absl/strings/str_cat.h"

namespace socd::scheduler {

Turn& Turn::operator=(Turn&& o) noexcept {
  if (this != &o) {
    if (q_) q_->Release();
    q_ = o.q_;
    o.q_ = nullptr;
  }
  return *this;
}

Turn::~Turn() {
  if (q_) q_->Release();
}

absl::StatusOr<Turn> RequestQueue::Acquire(uint32_t priority, Clock::time_point deadline,
                                           const std::function<bool()>& cancelled) {
  if (priority == 0) priority = opts_.default_priority;
  if (priority > opts_.priority_levels) {
    return absl::InvalidArgumentError(absl::StrCat("priority ", priority,
                                                   " is out of range: the model has ",
                                                   opts_.priority_levels, " priority level(s)"));
  }
  std::unique_lock<std::mutex> l(mu_);
  if (opts_.max_queue_size > 0 && waiting_.size() >= opts_.max_queue_size) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the model's queue is full (", opts_.max_queue_size, " requests waiting)"));
  }
  const Key me{priority, next_seq_++};
  waiting_.insert(me);
  for (;;) {
    if (!busy_ && *waiting_.begin() == me) {
      waiting_.erase(me);
      busy_ = true;
      return Turn(this);
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      waiting_.erase(me);
      cv_.notify_all();  // the next in line may now be first
      return absl::DeadlineExceededError("the request's deadline passed while it was queued");
    }
    if (cancelled && cancelled()) {
      waiting_.erase(me);
      cv_.notify_all();
      return absl::CancelledError("the client cancelled the request while it was queued");
    }
    // Wake at the deadline, or periodically to notice a client that went away.
    cv_.wait_until(l, std::min(deadline, now + std::chrono::milliseconds(20)));
  }
}

void RequestQueue::Release() {
  {
    std::lock_guard<std::mutex> l(mu_);
    busy_ = false;
  }
  cv_.notify_all();
}

size_t RequestQueue::depth() const {
  std::lock_guard<std::mutex> l(mu_);
  return waiting_.size();
}

}  // namespace socd::scheduler
