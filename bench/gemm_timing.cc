// Shapes, operands and the timing loop of bench_gemm.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "bench/gemm_bench.h"

namespace socd::bench {

std::vector<GemmShape> DefaultShapes() {
  // Conv shapes are im2col GEMMs in NCHW: M = output channels, N = output pixels,
  // K = input channels x kernel area. tiny-bert: seq 128, d 256, 4 heads, FFN 1024.
  return {
      {"square 64", 64, 64, 64},
      {"square 128", 128, 128, 128},
      {"square 256", 256, 256, 256},
      {"square 512", 512, 512, 512},
      {"square 1024", 1024, 1024, 1024},
      {"resnet50 3x3 conv 64ch @56x56", 64, 3136, 576},
      {"resnet50 1x1 conv 64->256 @56x56", 256, 3136, 64},
      {"mobilenetv2 last 1x1 conv 320->1280 @7x7", 1280, 49, 320},
      {"resnet50 3x3 conv 512ch @7x7", 512, 49, 4608},
      {"tiny-bert QKV/out projection", 128, 256, 256},
      {"tiny-bert FFN up", 128, 1024, 256},
      {"tiny-bert FFN down", 128, 256, 1024},
      {"tiny-bert attention QK^T per head", 128, 128, 64},
      {"tiny-gpt-decode projection (GEMV)", 1, 256, 256},
      {"tiny-gpt-decode FFN up (GEMV)", 1, 1024, 256},
  };
}

std::vector<GemmShape> ParseShapes(const std::string& spec) {
  std::vector<GemmShape> out;
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t comma = spec.find(',', pos);
    std::string item =
        spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? spec.size() : comma + 1;
    long long m = 0, n = 0, k = 0;
    int used = 0;
    if (std::sscanf(item.c_str(), "%lldx%lldx%lld%n", &m, &n, &k, &used) != 3 || m < 1 || n < 1 ||
        k < 1) {
      return {};
    }
    std::string label = item.size() > static_cast<size_t>(used) && item[used] == ':'
                            ? item.substr(used + 1)
                            : item.substr(0, used);
    out.push_back({label, m, n, k});
  }
  return out;
}

namespace gemm_timing {

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<float, FreeDeleter>;

Buffer Alloc(int64_t count) {
  size_t bytes = (static_cast<size_t>(count) * sizeof(float) + 63) / 64 * 64;
  return Buffer(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

// The same values in every process (children included), in [-1, 1).
void Fill(float* p, int64_t count, uint32_t seed) {
  uint32_t x = seed * 2654435761u + 1;
  for (int64_t i = 0; i < count; ++i) {
    x = x * 1664525u + 1013904223u;
    p[i] = static_cast<float>(x >> 8) * (2.0f / 16777216.0f) - 1.0f;
  }
}

double Now(bool cpu_clock) {
  timespec ts;
  clock_gettime(cpu_clock ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

}  // namespace gemm_timing

GemmTiming TimeGemm(const GemmFn& fn, const GemmShape& s, int samples, double sample_ms,
                    bool cpu_clock) {
  using gemm_timing::Now;
  auto a = gemm_timing::Alloc(s.m * s.k), b = gemm_timing::Alloc(s.k * s.n),
       c = gemm_timing::Alloc(s.m * s.n);
  gemm_timing::Fill(a.get(), s.m * s.k, 1);
  gemm_timing::Fill(b.get(), s.k * s.n, 2);
  std::fill(c.get(), c.get() + s.m * s.n, 0.f);

  fn(s.m, s.n, s.k, a.get(), b.get(), c.get());  // warm-up: JIT code generation, packing buffers
  // Calibrate on warm calls: double the count until a batch lasts 1 ms.
  double per_call_estimate = 0;
  for (int64_t count = 1;; count *= 2) {
    double t0 = Now(cpu_clock);
    for (int64_t r = 0; r < count; ++r) fn(s.m, s.n, s.k, a.get(), b.get(), c.get());
    double dt = Now(cpu_clock) - t0;
    if (dt >= 1e-3 || count >= (int64_t{1} << 20)) {
      per_call_estimate = dt / count;
      break;
    }
  }
  int64_t reps = std::max<int64_t>(
      1, static_cast<int64_t>(sample_ms * 1e-3 / std::max(per_call_estimate, 1e-9)));

  std::vector<double> per_call;
  for (int i = 0; i < samples; ++i) {
    double t0 = Now(cpu_clock);
    for (int64_t r = 0; r < reps; ++r) fn(s.m, s.n, s.k, a.get(), b.get(), c.get());
    per_call.push_back((Now(cpu_clock) - t0) / reps);
  }
  std::sort(per_call.begin(), per_call.end());
  GemmTiming t;
  t.median_s = per_call[per_call.size() / 2];
  t.best_s = per_call.front();
  for (int64_t i = 0; i < s.m * s.n; ++i) {
    double w = 1 + i % 7;
    t.checksum += w * c.get()[i];
    t.scale += w * std::abs(c.get()[i]);
  }
  return t;
}

}  // namespace socd::bench
