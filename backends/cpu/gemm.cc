#include "backends/cpu/gemm.h"

#include <dlfcn.h>
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "backends/cpu/cpu_features.h"
#include "oneapi/dnnl/dnnl.h"

namespace socd::cpu {
namespace {

using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*,
                            int, float, float*, int);
using SetThreads = void (*)(int);

struct OpenBlas {
  CblasSgemm sgemm = nullptr;
  SetThreads set_threads = nullptr;
  std::string core;
};

// OpenBLAS reads OPENBLAS_CORETYPE when it loads, so socd loads it itself after choosing the
// core from its own detection (OpenBLAS 0.3.21 misdetects some virtualized CPUs).
const OpenBlas* LoadOpenBlas() {
  static OpenBlas* ob = []() -> OpenBlas* {
    const CpuFeatures& f = GetCpuFeatures();
    const char* core = f.avx512f ? "SkylakeX" : f.avx2 ? "Haswell" : nullptr;
    if (core && !std::getenv("OPENBLAS_CORETYPE")) setenv("OPENBLAS_CORETYPE", core, 0);
    void* h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) return nullptr;
    auto* r = new OpenBlas;
    r->sgemm = reinterpret_cast<CblasSgemm>(dlsym(h, "cblas_sgemm"));
    r->set_threads = reinterpret_cast<SetThreads>(dlsym(h, "openblas_set_num_threads"));
    auto name = reinterpret_cast<char* (*)()>(dlsym(h, "openblas_get_corename"));
    r->core = name ? name() : "?";
    if (!r->sgemm) return nullptr;
    return r;
  }();
  return ob;
}

bool UseOpenBlas() {
  static const bool use = [] {
    const char* e = std::getenv("SOCD_GEMM");
    return e && std::strcmp(e, "openblas") == 0 && LoadOpenBlas() != nullptr;
  }();
  return use;
}

}  // namespace

void Sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
           int threads) {
  if (m == 0 || n == 0) return;
  if (UseOpenBlas()) {
    const OpenBlas* ob = LoadOpenBlas();
    if (ob->set_threads) ob->set_threads(threads);
    ob->sgemm(101, ta ? 112 : 111, tb ? 112 : 111, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(ldc));
    return;
  }
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
  dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

std::string GemmLibraryName() {
  if (UseOpenBlas()) return "OpenBLAS " + LoadOpenBlas()->core + " sgemm";
  return "oneDNN sgemm";
}

}  // namespace socd::cpu
