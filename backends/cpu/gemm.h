// Single-precision GEMM for conv/matmul/gemm kernels. The library is chosen by measurement on
// the build machine (see docs/BENCHMARKS.md, bench/gemm_candidates.cc): oneDNN's sgemm by
// default; OpenBLAS (loaded with a core type socd picks from its own CPU detection) when
// SOCD_GEMM=openblas.
#pragma once

#include <cstdint>
#include <string>

namespace socd::cpu {

// Row-major C[M,N] = alpha * op(A) * op(B) + beta * C, op(A) is [M,K], op(B) is [K,N].
// `threads` bounds the library's own parallelism for this call.
void Sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
           int threads);

std::string GemmLibraryName();

}  // namespace socd::cpu
