// The machine's fp32 peak, measured rather than taken from a spec sheet: a loop of independent
// FMAs on registers only, so neither memory nor dependency chains limit it. Enough accumulators
// (12) to cover FMA latency x FMA ports on current x86 cores (e.g. 4-5 cycles x 2 ports).
#include <algorithm>
#include <chrono>
#include <vector>

#include "backends/cpu/cpu_features.h"
#include "bench/gemm_bench.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace socd::bench::gemm_peak {

constexpr int kAccumulators = 12;

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float FmaLoopAvx2(int64_t iters) {
  __m256 acc[kAccumulators];
  for (int j = 0; j < kAccumulators; ++j) acc[j] = _mm256_set1_ps(static_cast<float>(j));
  // x = x * 0.999999 + 1e-6 converges to 1: no overflow, no denormals.
  const __m256 mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-6f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kAccumulators; ++j) acc[j] = _mm256_fmadd_ps(acc[j], mul, add);
  }
  __m256 s = acc[0];
  for (int j = 1; j < kAccumulators; ++j) s = _mm256_add_ps(s, acc[j]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  return out[0] + out[7];
}

__attribute__((target("avx512f"))) float FmaLoopAvx512(int64_t iters) {
  __m512 acc[kAccumulators];
  for (int j = 0; j < kAccumulators; ++j) acc[j] = _mm512_set1_ps(static_cast<float>(j));
  const __m512 mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-6f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kAccumulators; ++j) acc[j] = _mm512_fmadd_ps(acc[j], mul, add);
  }
  __m512 s = acc[0];
  for (int j = 1; j < kAccumulators; ++j) s = _mm512_add_ps(s, acc[j]);
  alignas(64) float out[16];
  _mm512_store_ps(out, s);
  return out[0] + out[15];
}
#endif

float FmaLoopScalar(int64_t iters) {
  float acc[kAccumulators];
  for (int j = 0; j < kAccumulators; ++j) acc[j] = static_cast<float>(j);
  for (int64_t i = 0; i < iters; ++i) {
    for (int j = 0; j < kAccumulators; ++j) acc[j] = acc[j] * 0.999999f + 1e-6f;
  }
  float s = 0;
  for (float a : acc) s += a;
  return s;
}

volatile float g_sink;

// Best of the timed samples: the peak is a capability, so interference only lowers samples.
template <typename Loop>
double Measure(Loop loop, int width, double seconds) {
  using Clock = std::chrono::steady_clock;
  int64_t iters = 1 << 16;
  // Short samples (~2 ms, under a scheduler time slice), many of them: on a busy machine some
  // still run uninterrupted, and the best of them is the core's speed.
  for (;;) {
    auto t0 = Clock::now();
    g_sink = loop(iters);
    double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (dt > 0.002 || iters > (int64_t{1} << 34)) break;
    iters *= 2;
  }
  double best = 0;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  do {
    auto t0 = Clock::now();
    g_sink = loop(iters);
    double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, 2.0 * width * kAccumulators * static_cast<double>(iters) / dt * 1e-9);
  } while (Clock::now() < end);
  return best;
}

}  // namespace socd::bench::gemm_peak

namespace socd::bench {

Peak MeasurePeak(double seconds) {
  const auto& f = cpu::GetCpuFeatures();
  Peak p;
#if defined(__x86_64__)
  if (f.avx512f) {
    p.gflops = gemm_peak::Measure(gemm_peak::FmaLoopAvx512, 16, seconds);
    p.isa = "AVX-512 FMA, 16-wide";
    return p;
  }
  if (f.avx2 && f.fma) {
    p.gflops = gemm_peak::Measure(gemm_peak::FmaLoopAvx2, 8, seconds);
    p.isa = "AVX2 FMA, 8-wide";
    return p;
  }
#endif
  // Without a known vector ISA the compiler's auto-vectorization decides; still a lower bound.
  p.gflops = gemm_peak::Measure(gemm_peak::FmaLoopScalar, 1, seconds);
  p.isa = "scalar mul+add (no known vector FMA)";
  return p;
}

}  // namespace socd::bench
