// Eigen's sgemm for bench_gemm, built as a module that bench_gemm dlopens. Eigen is header-only:
// its vector ISA is fixed by this file's compile flags (AVX2+FMA on x86-64), so it lives in its
// own .so with hidden symbols, where its AVX2 template instances cannot replace the baseline ones
// of the executable, and bench_gemm loads it only on a CPU that has AVX2+FMA.
#include <cstdint>
#include <string>

#include <Eigen/Core>

extern "C" __attribute__((visibility("default"))) void socd_bench_eigen_sgemm(
    int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c, int threads) {
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::setNbThreads(threads);
  Eigen::Map<const Mat> am(a, m, k), bm(b, k, n);
  Eigen::Map<Mat> cm(c, m, n);
  cm.noalias() = am * bm;
}

// Eigen's SimdInstructionSetsInUse() says only "AVX" on an AVX2+FMA build, so name them here.
extern "C" __attribute__((visibility("default"))) const char* socd_bench_eigen_info() {
  static const std::string info = std::to_string(EIGEN_WORLD_VERSION) + "." +
                                  std::to_string(EIGEN_MAJOR_VERSION) + "." +
                                  std::to_string(EIGEN_MINOR_VERSION) + ", built for " +
#if defined(EIGEN_VECTORIZE_AVX512)
                                  "AVX-512";
#elif defined(EIGEN_VECTORIZE_AVX2) && defined(EIGEN_VECTORIZE_FMA)
                                  "AVX2+FMA";
#elif defined(EIGEN_VECTORIZE_AVX)
                                  "AVX";
#elif defined(EIGEN_VECTORIZE_NEON)
                                  "NEON";
#else
                                  std::string(Eigen::SimdInstructionSetsInUse());
#endif
  return info.c_str();
}
