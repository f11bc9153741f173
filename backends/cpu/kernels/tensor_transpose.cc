// Dense transpose (tensor_copy.h). After merging axes that stay contiguous, a permutation that
// keeps the innermost axis is a sequence of memcpy rows; any other is a batch of 2-D transposes
// between the input's innermost axis and the output's, done in cache-sized tiles (8x8 AVX
// register transposes for 4-byte elements where the CPU has AVX).
#include <algorithm>
#include <cstring>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/kernels/tensor_copy.h"
#include "graph/tensor.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace socd::cpu::tensor_copy {

// d[i * ld + j] = s[i + j * sj] for i in [i0, i1), all j < nj, in B x B blocks.
template <typename T, int B>
void TransposeTile(T* d, const T* s, int64_t i0, int64_t i1, int64_t nj, int64_t sj, int64_t ld) {
  for (int64_t jb = 0; jb < nj; jb += B) {
    const int64_t je = std::min<int64_t>(jb + B, nj);
    for (int64_t i = i0; i < i1; ++i) {
      T* drow = d + i * ld;
      const T* scol = s + i;
      for (int64_t j = jb; j < je; ++j) drow[j] = scol[j * sj];
    }
  }
}

#if defined(__x86_64__)
__attribute__((target("avx"))) void TransposeTile4Avx(uint32_t* d, const uint32_t* s, int64_t i0,
                                                      int64_t i1, int64_t nj, int64_t sj,
                                                      int64_t ld) {
  int64_t i = i0;
  for (; i + 8 <= i1; i += 8) {
    int64_t j = 0;
    for (; j + 8 <= nj; j += 8) {
      const float* p = reinterpret_cast<const float*>(s + i + j * sj);
      __m256 r0 = _mm256_loadu_ps(p), r1 = _mm256_loadu_ps(p + sj);
      __m256 r2 = _mm256_loadu_ps(p + 2 * sj), r3 = _mm256_loadu_ps(p + 3 * sj);
      __m256 r4 = _mm256_loadu_ps(p + 4 * sj), r5 = _mm256_loadu_ps(p + 5 * sj);
      __m256 r6 = _mm256_loadu_ps(p + 6 * sj), r7 = _mm256_loadu_ps(p + 7 * sj);
      __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
      __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
      __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
      __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
      __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      float* q = reinterpret_cast<float*>(d + i * ld + j);
      _mm256_storeu_ps(q, _mm256_permute2f128_ps(u0, u4, 0x20));
      _mm256_storeu_ps(q + ld, _mm256_permute2f128_ps(u1, u5, 0x20));
      _mm256_storeu_ps(q + 2 * ld, _mm256_permute2f128_ps(u2, u6, 0x20));
      _mm256_storeu_ps(q + 3 * ld, _mm256_permute2f128_ps(u3, u7, 0x20));
      _mm256_storeu_ps(q + 4 * ld, _mm256_permute2f128_ps(u0, u4, 0x31));
      _mm256_storeu_ps(q + 5 * ld, _mm256_permute2f128_ps(u1, u5, 0x31));
      _mm256_storeu_ps(q + 6 * ld, _mm256_permute2f128_ps(u2, u6, 0x31));
      _mm256_storeu_ps(q + 7 * ld, _mm256_permute2f128_ps(u3, u7, 0x31));
    }
    for (; j < nj; ++j)
      for (int64_t k = i; k < i + 8; ++k) d[k * ld + j] = s[k + j * sj];
  }
  if (i < i1) TransposeTile<uint32_t, 16>(d, s, i, i1, nj, sj, ld);
}
#endif

void Transpose(void* dst, const void* src, const Shape& in_dims, const std::vector<int64_t>& perm,
               size_t es, ThreadPool* pool) {
  const size_t r = in_dims.size();
  std::vector<int64_t> in_strides = DenseStrides(in_dims);
  Shape od(r);
  std::vector<int64_t> os(r);
  for (size_t k = 0; k < r; ++k) {
    od[k] = in_dims[perm[k]];
    os[k] = in_strides[perm[k]];
  }
  if (graph::NumElements(od) <= 0) return;
  NormView v = Normalize(od, os);
  if (v.dims.size() <= 1 || v.strides.back() == 1 || !SupportedElemSize(es) || es > 8) {
    StridedCopy(dst, src, v.dims, v.strides, es, pool);
    return;
  }
  const int R = static_cast<int>(v.dims.size());
  int q = 0;
  while (q < R && v.strides[q] != 1) ++q;  // the input's innermost axis; exists for dense input
  std::vector<int64_t> ostr = DenseStrides(v.dims);
  const int64_t ni = v.dims[q], nj = v.dims[R - 1], sj = v.strides[R - 1], ld = ostr[q];
  std::vector<int> outer;
  for (int k = 0; k < R - 1; ++k)
    if (k != q) outer.push_back(k);
  int64_t outer_count = 1;
  for (int k : outer) outer_count *= v.dims[k];
  constexpr int64_t kRows = 32;  // rows of the output (input axis q) per work unit
  const int64_t iblocks = (ni + kRows - 1) / kRows;
#if defined(__x86_64__)
  static const bool avx = GetCpuFeatures().avx;
#else
  constexpr bool avx = false;
#endif
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  auto run = [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      int64_t o = u / iblocks, i0 = (u % iblocks) * kRows, i1 = std::min(i0 + kRows, ni);
      int64_t so = 0, dof = 0;
      for (size_t a = outer.size(); a-- > 0;) {
        int64_t idx = o % v.dims[outer[a]];
        o /= v.dims[outer[a]];
        so += idx * v.strides[outer[a]];
        dof += idx * ostr[outer[a]];
      }
      switch (es) {
        case 1:
          TransposeTile<uint8_t, 32>(d + dof, s + so, i0, i1, nj, sj, ld);
          break;
        case 2:
          TransposeTile<uint16_t, 32>(reinterpret_cast<uint16_t*>(d) + dof,
                                      reinterpret_cast<const uint16_t*>(s) + so, i0, i1, nj, sj,
                                      ld);
          break;
        case 4: {
          auto* d4 = reinterpret_cast<uint32_t*>(d) + dof;
          const auto* s4 = reinterpret_cast<const uint32_t*>(s) + so;
#if defined(__x86_64__)
          if (avx) {
            TransposeTile4Avx(d4, s4, i0, i1, nj, sj, ld);
            break;
          }
#endif
          TransposeTile<uint32_t, 16>(d4, s4, i0, i1, nj, sj, ld);
          break;
        }
        default:
          TransposeTile<uint64_t, 8>(reinterpret_cast<uint64_t*>(d) + dof,
                                     reinterpret_cast<const uint64_t*>(s) + so, i0, i1, nj, sj, ld);
          break;
      }
    }
  };
  ParallelRows(pool, outer_count * iblocks, kRows * nj * static_cast<int64_t>(es), run);
}

}  // namespace socd::cpu::tensor_copy
