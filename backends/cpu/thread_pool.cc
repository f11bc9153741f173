#include "backends/cpu/thread_pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace socd::cpu {

namespace thread_pool_impl {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// About 50-100 us of pause instructions: longer than the gap between two loops of one
// inference, far shorter than the gap between inferences (when sleeping costs nothing).
constexpr int kSpinIterations = 2000;

inline uint32_t Gen(uint64_t state) { return static_cast<uint32_t>(state >> 32); }
inline uint32_t Chunk(uint64_t state) { return static_cast<uint32_t>(state); }

}  // namespace thread_pool_impl

using thread_pool_impl::Chunk;
using thread_pool_impl::Gen;

ThreadPool::ThreadPool(int threads) : threads_(std::max(1, threads)) {
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { Worker(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_.store(true);
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::RunChunks(uint32_t gen) {
  uint64_t s = state_.load(std::memory_order_acquire);
  for (;;) {
    if (Gen(s) != gen) return;
    const int64_t chunks = job_chunks_.load(std::memory_order_relaxed);
    const int64_t c = Chunk(s);
    if (c >= chunks) return;
    if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) continue;
    // The chunk is ours, so the job cannot finish (nor its fields change) before we count it.
    const Fn* fn = job_.load(std::memory_order_relaxed);
    const int64_t n = job_n_.load(std::memory_order_relaxed);
    (*fn)(n * c / chunks, n * (c + 1) / chunks);
    chunks_done_.fetch_add(1, std::memory_order_release);
    s = state_.load(std::memory_order_acquire);
  }
}

void ThreadPool::Worker() {
  uint32_t seen = 0;
  for (;;) {
    uint32_t gen = Gen(state_.load(std::memory_order_acquire));
    for (int i = 0; gen == seen && i < thread_pool_impl::kSpinIterations; ++i) {
      thread_pool_impl::CpuRelax();
      gen = Gen(state_.load(std::memory_order_acquire));
    }
    if (gen == seen) {
      std::unique_lock<std::mutex> l(mu_);
      sleepers_.fetch_add(1);
      // sleepers_ is raised before the generation is read again (both sequentially
      // consistent), so a job published meanwhile is either seen here or gets a notify.
      cv_.wait(l, [&] { return stop_.load() || Gen(state_.load()) != seen; });
      sleepers_.fetch_sub(1);
      gen = Gen(state_.load());
    }
    if (stop_.load(std::memory_order_relaxed)) return;
    seen = gen;
    RunChunks(gen);
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t min_chunk, const Fn& fn) {
  if (n <= 0) return;
  const int64_t chunks =
      std::min<int64_t>(threads_, std::max<int64_t>(1, n / std::max<int64_t>(1, min_chunk)));
  bool idle = false;
  if (chunks <= 1 || !busy_.compare_exchange_strong(idle, true, std::memory_order_acquire)) {
    fn(0, n);
    return;
  }
  // Close the previous generation first: a worker that read the old state and the new fields
  // would otherwise claim a chunk of this job under the old generation.
  const uint32_t old_gen = Gen(state_.load(std::memory_order_relaxed));
  state_.store((static_cast<uint64_t>(old_gen) << 32) | 0xffffffffu);
  job_.store(&fn, std::memory_order_relaxed);
  job_n_.store(n, std::memory_order_relaxed);
  job_chunks_.store(chunks, std::memory_order_relaxed);
  chunks_done_.store(0, std::memory_order_relaxed);
  // New generation, chunk 0: publishes the fields above (release).
  const uint32_t gen = old_gen + 1;
  state_.store(static_cast<uint64_t>(gen) << 32);
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> l(mu_);
    cv_.notify_all();
  }
  RunChunks(gen);
  while (chunks_done_.load(std::memory_order_acquire) < chunks) thread_pool_impl::CpuRelax();
  busy_.store(false, std::memory_order_release);
}

}  // namespace socd::cpu
