#include "backends/cpu/thread_pool.h"

#include <algorithm>

namespace socd::cpu {

ThreadPool::ThreadPool(int threads) : threads_(std::max(1, threads)) {
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { Worker(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::Worker(int) {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    cv_.wait(l, [&] { return stop_ || (generation_ != seen && next_chunk_ < job_chunks_); });
    if (stop_) return;
    seen = generation_;
    while (next_chunk_ < job_chunks_) {
      int64_t c = next_chunk_++;
      const auto* fn = job_;
      int64_t n = job_n_, chunks = job_chunks_;
      l.unlock();
      (*fn)(n * c / chunks, n * (c + 1) / chunks);
      l.lock();
      if (++chunks_done_ == chunks) done_cv_.notify_all();
    }
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t min_chunk,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  int64_t chunks = std::min<int64_t>(threads_, std::max<int64_t>(1, n / std::max<int64_t>(1, min_chunk)));
  std::unique_lock<std::mutex> l(mu_);
  if (chunks <= 1 || busy_) {
    l.unlock();
    fn(0, n);
    return;
  }
  busy_ = true;
  job_ = &fn;
  job_n_ = n;
  job_chunks_ = chunks;
  next_chunk_ = 0;
  chunks_done_ = 0;
  ++generation_;
  cv_.notify_all();
  while (next_chunk_ < job_chunks_) {
    int64_t c = next_chunk_++;
    l.unlock();
    fn(n * c / chunks, n * (c + 1) / chunks);
    l.lock();
    ++chunks_done_;
  }
  done_cv_.wait(l, [&] { return chunks_done_ == job_chunks_; });
  job_ = nullptr;
  busy_ = false;
}

}  // namespace socd::cpu
