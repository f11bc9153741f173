// float16 <-> float32 rows for Cast and the float16-through-float32 adapter. GCC does not
// vectorize _Float16 conversions for AVX2, so x86-64 CPUs with F16C get an explicit 8-wide
// loop; everything else converts one element at a time (rounding to nearest even either way).
#include <cstdint>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/kernels/elementwise_impl.h"
#include "graph/tensor.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SOCD_ELEM_F16C 1
#endif

namespace socd::cpu::elementwise_f16c {

#ifdef SOCD_ELEM_F16C
bool HasF16C() {
  // socd's own cpuid detection (clang 14's __builtin_cpu_supports has no "f16c").
  static const bool has = GetCpuFeatures().avx2 && GetCpuFeatures().f16c;
  return has;
}

__attribute__((target("avx2,f16c"))) void WidenF16C(const uint16_t* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i) dst[i] = _cvtsh_ss(src[i]);
}

__attribute__((target("avx2,f16c"))) void NarrowF16C(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), h);
  }
  for (; i < n; ++i) dst[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}
#endif

}  // namespace socd::cpu::elementwise_f16c

namespace socd::cpu::elementwise_impl {

void HalfRowToFloat(const uint16_t* src, float* dst, int64_t n) {
#ifdef SOCD_ELEM_F16C
  if (elementwise_f16c::HasF16C()) return elementwise_f16c::WidenF16C(src, dst, n);
#endif
  for (int64_t i = 0; i < n; ++i) dst[i] = graph::HalfToFloat(src[i]);
}

void FloatRowToHalf(const float* src, uint16_t* dst, int64_t n) {
#ifdef SOCD_ELEM_F16C
  if (elementwise_f16c::HasF16C()) return elementwise_f16c::NarrowF16C(src, dst, n);
#endif
  for (int64_t i = 0; i < n; ++i) dst[i] = graph::FloatToHalf(src[i]);
}

}  // namespace socd::cpu::elementwise_impl
