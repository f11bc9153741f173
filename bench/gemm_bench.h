// Shared pieces of bench_gemm (bench/gemm_candidates.cc): the shapes, deterministic operands, the
// timing loop and the machine's measured fp32 peak.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace socd::bench {

struct GemmShape {
  std::string label;  // where the shape comes from, e.g. "resnet50 3x3 conv 64ch @56x56"
  int64_t m, n, k;
};

// Row-major C[M,N] = A[M,K] * B[K,N], alpha 1, beta 0.
using GemmFn =
    std::function<void(int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c)>;

struct GemmTiming {
  double median_s = 0, best_s = 0;
  // Weighted sum of C and of |C|: every library must compute the same product, to within
  // rounding (|checksum - reference| <= 1e-4 * scale).
  double checksum = 0, scale = 0;
};

std::vector<GemmShape> DefaultShapes();
// "MxNxK[:label],..." -> shapes; empty on a parse error.
std::vector<GemmShape> ParseShapes(const std::string& spec);

// Times fn on the shape: one warm-up call, then `samples` samples of enough calls to last
// sample_ms each; per-call median and best over the samples.
// With cpu_clock the time is this process's CPU time, not wall time: on a busy machine a
// single-threaded GEMM then still measures its own speed, not its share of the cores.
GemmTiming TimeGemm(const GemmFn& fn, const GemmShape& s, int samples, double sample_ms,
                    bool cpu_clock);

inline double Gflops(const GemmShape& s, double seconds) {
  return seconds > 0 ? 2.0 * s.m * s.n * s.k / seconds * 1e-9 : 0;
}

struct Peak {
  double gflops = 0;  // one core, fp32, register-only FMA loop
  std::string isa;    // "AVX2+FMA 8-wide", "AVX-512 16-wide", "scalar"
};

// One library under test. time() measures one shape; on failure it sets *error and the candidate
// is not timed on later shapes.
struct Candidate {
  std::string id, name, error;
  std::vector<GemmTiming> timings;  // per shape, when error is empty
  std::function<GemmTiming(const GemmShape&, std::string* error)> time;
};

struct BenchOptions {
  int threads = 1, samples = 7;
  double sample_ms = 20;
  bool json = false;
  bool cpu_clock = false;  // only with threads == 1
  std::vector<GemmShape> shapes;
};

// The table (or with opts.json one JSON line); results are compared with the first candidate
// that ran.
void PrintResults(const BenchOptions& opts, const Peak& peak,
                  const std::vector<std::unique_ptr<Candidate>>& cands);

// Measures the fp32 FMA throughput of the core this thread runs on, with the widest vector unit
// socd's own CPU detection reports.
Peak MeasurePeak(double seconds);

}  // namespace socd::bench
