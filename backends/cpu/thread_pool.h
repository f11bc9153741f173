// A fixed-size pool for data-parallel loops inside kernels. The caller thread takes part, so
// a pool of N threads starts N-1 workers; N = 1 runs everything inline.
//
// Kernels split their work into as many slices as there are threads, so a worker that wakes
// late leaves the caller to run its slice too and the loop runs serially. Workers therefore
// spin for a short while after each loop (loops of one inference follow each other within
// microseconds) and only then sleep on a condition variable; ONNX Runtime's pool does the same.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace socd::cpu {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }
  // Splits [0, n) into contiguous chunks of at least `min_chunk` and runs fn(begin, end) on
  // them, returning when all are done. Not reentrant: a nested call runs inline.
  void ParallelFor(int64_t n, int64_t min_chunk, const std::function<void(int64_t, int64_t)>& fn);

 private:
  using Fn = std::function<void(int64_t, int64_t)>;
  void Worker();
  // Claims and runs chunks of the job of generation `gen` until none are left.
  void RunChunks(uint32_t gen);

  int threads_;
  std::vector<std::thread> workers_;
  // The current job: generation in the high 32 bits, next unclaimed chunk in the low 32, so a
  // worker still holding an old generation can never claim a chunk of the next job.
  std::atomic<uint64_t> state_{0};
  std::atomic<const Fn*> job_{nullptr};
  std::atomic<int64_t> job_n_{0};
  std::atomic<int64_t> job_chunks_{0};
  std::atomic<int64_t> chunks_done_{0};
  std::atomic<bool> busy_{false};
  std::atomic<bool> stop_{false};
  // Sleeping workers (after spinning) wait here.
  std::atomic<int> sleepers_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace socd::cpu
