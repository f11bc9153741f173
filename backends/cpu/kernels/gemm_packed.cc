#include "backends/cpu/kernels/gemm_packed.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "backends/cpu/simd.h"

namespace socd::cpu::packed_gemm {

// Columns of B per L2 block and A panels per L1-streamed M block.
constexpr int64_t kNC = 12 * kNR;
constexpr int64_t kMCPanels = 16;

void FloatBuffer::Free::operator()(float* p) const { std::free(p); }

void FloatBuffer::Resize(int64_t n) {
  if (n <= size_ && data_) return;
  size_t bytes = (static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float) + 63) / 64 * 64;
  data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
  size_ = n;
}

void PackedA::Pack(const float* a, int64_t m, int64_t k, int64_t rs, int64_t cs) {
  m_ = m;
  k_ = k;
  const int64_t np = panels();
  buf_.Resize(np * kMR * std::max<int64_t>(k, 1));
  float* dst = buf_.data();
  for (int64_t k0 = 0; k0 < k; k0 += kKC) {
    const int64_t kc = std::min(kKC, k - k0);
    for (int64_t pi = 0; pi < np; ++pi) {
      for (int64_t p = 0; p < kc; ++p) {
        for (int64_t r = 0; r < kMR; ++r) {
          const int64_t i = pi * kMR + r;
          *dst++ = i < m ? a[i * rs + (k0 + p) * cs] : 0.0f;
        }
      }
    }
  }
}

void PackedA::PackGather(const float* base, const int64_t* row_off, const int64_t* col_off,
                         int64_t m, int64_t k) {
  m_ = m;
  k_ = k;
  const int64_t np = panels();
  buf_.Resize(np * kMR * std::max<int64_t>(k, 1));
  float* dst = buf_.data();
  for (int64_t k0 = 0; k0 < k; k0 += kKC) {
    const int64_t kc = std::min(kKC, k - k0);
    for (int64_t pi = 0; pi < np; ++pi) {
      int64_t co[kMR];
      const int64_t rows = std::min(kMR, m - pi * kMR);
      for (int64_t r = 0; r < kMR; ++r) co[r] = r < rows ? col_off[pi * kMR + r] : -1;
      for (int64_t p = 0; p < kc; ++p) {
        const float* row = base + row_off[k0 + p];
        for (int64_t r = 0; r < kMR; ++r) *dst++ = co[r] >= 0 ? row[co[r]] : 0.0f;
      }
    }
  }
}

void PackedB::Pack(const float* b, int64_t k, int64_t n, int64_t ldb, bool trans, float scale) {
  k_ = k;
  n_ = n;
  npad_ = (n + kNR - 1) / kNR * kNR;
  buf_.Resize(npad_ * std::max<int64_t>(k, 1));
  for (int64_t k0 = 0; k0 < k; k0 += kKC) {
    const int64_t k1 = std::min(k, k0 + kKC);
    PackMatrixB(b, ldb, trans, k0, k1, 0, n, buf_.data() + k0 * npad_);
  }
  if (scale != 1.0f)
    for (int64_t i = 0; i < npad_ * k; ++i) buf_.data()[i] *= scale;
}

SOCD_HOT_LOOP
void PackMatrixB(const float* b, int64_t ldb, bool trans, int64_t k0, int64_t k1, int64_t n0,
                 int64_t n1, float* dst) {
  for (int64_t j0 = n0; j0 < n1; j0 += kNR) {
    const int64_t cols = std::min(kNR, n1 - j0);
    if (!trans && cols == kNR) {
      // The common case: whole 16-float rows (fixed trip count, so it becomes 2 vector moves).
      const float* src = b + k0 * ldb + j0;
      for (int64_t p = k0; p < k1; ++p, dst += kNR, src += ldb) {
        for (int64_t j = 0; j < kNR; ++j) dst[j] = src[j];
      }
      continue;
    }
    for (int64_t p = k0; p < k1; ++p, dst += kNR) {
      if (!trans) {
        const float* src = b + p * ldb + j0;
        for (int64_t j = 0; j < cols; ++j) dst[j] = src[j];
      } else {
        for (int64_t j = 0; j < cols; ++j) dst[j] = b[(j0 + j) * ldb + p];
      }
      for (int64_t j = cols; j < kNR; ++j) dst[j] = 0.0f;
    }
  }
}

namespace kernel_detail {

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

// The 6x16 micro-kernel: c (row stride ldc) = [c +] a_panel * b_panel over kc, then, on the
// last K block of a fused GEMM, te's bias/residual/clamp (row, col: the tile's origin in C).
SOCD_HOT_LOOP
void Kernel6x16(int64_t kc, const float* __restrict a, const float* __restrict b,
                float* __restrict c, int64_t ldc, bool accumulate, const TileEpilogue* te,
                int64_t row, int64_t col) {
  v8 c00 = {}, c01 = {}, c10 = {}, c11 = {}, c20 = {}, c21 = {};
  v8 c30 = {}, c31 = {}, c40 = {}, c41 = {}, c50 = {}, c51 = {};
  for (int64_t p = 0; p < kc; ++p, a += kMR, b += kNR) {
    const v8 b0 = *reinterpret_cast<const v8*>(b);
    const v8 b1 = *reinterpret_cast<const v8*>(b + 8);
    c00 += b0 * a[0];
    c01 += b1 * a[0];
    c10 += b0 * a[1];
    c11 += b1 * a[1];
    c20 += b0 * a[2];
    c21 += b1 * a[2];
    c30 += b0 * a[3];
    c31 += b1 * a[3];
    c40 += b0 * a[4];
    c41 += b1 * a[4];
    c50 += b0 * a[5];
    c51 += b1 * a[5];
  }
  v8 cb0 = {}, cb1 = {}, lo = {}, hi = {};
  if (te) {
    if (te->col_bias) {
      cb0 = *reinterpret_cast<const v8u*>(te->col_bias + col);
      cb1 = *reinterpret_cast<const v8u*>(te->col_bias + col + 8);
    }
    lo += te->lo;
    hi += te->hi;
  }
#define SOCD_ROW(r, x0, x1)                                           \
  {                                                                   \
    v8u* out0 = reinterpret_cast<v8u*>(c + (r)*ldc);                  \
    v8u* out1 = reinterpret_cast<v8u*>(c + (r)*ldc + 8);              \
    if (accumulate) x0 += *out0, x1 += *out1;                         \
    if (te) {                                                         \
      const float rb = te->row_bias ? te->row_bias[row + (r)] : 0.0f; \
      x0 += cb0 + rb;                                                 \
      x1 += cb1 + rb;                                                 \
      if (te->res) {                                                  \
        const float* rr = te->res + (row + (r)) * te->ldr + col;      \
        x0 += *reinterpret_cast<const v8u*>(rr);                      \
        x1 += *reinterpret_cast<const v8u*>(rr + 8);                  \
      }                                                               \
      x0 = x0 < lo ? lo : x0;                                         \
      x1 = x1 < lo ? lo : x1;                                         \
      x0 = x0 > hi ? hi : x0;                                         \
      x1 = x1 > hi ? hi : x1;                                         \
    }                                                                 \
    *out0 = x0;                                                       \
    *out1 = x1;                                                       \
  }
  SOCD_ROW(0, c00, c01)
  SOCD_ROW(1, c10, c11)
  SOCD_ROW(2, c20, c21)
  SOCD_ROW(3, c30, c31)
  SOCD_ROW(4, c40, c41)
  SOCD_ROW(5, c50, c51)
#undef SOCD_ROW
}

// A partial tile: full compute into a local tile, then the valid rows/columns.
void EdgeKernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t rows,
                int64_t cols, bool accumulate, const TileEpilogue* te, int64_t row, int64_t col) {
  alignas(64) float tile[kMR * kNR];
  Kernel6x16(kc, a, b, tile, kNR, false, nullptr, 0, 0);
  for (int64_t r = 0; r < rows; ++r) {
    float* dst = c + r * ldc;
    const float* src = tile + r * kNR;
    for (int64_t j = 0; j < cols; ++j) {
      float v = src[j] + (accumulate ? dst[j] : 0.0f);
      if (te) {
        if (te->row_bias) v += te->row_bias[row + r];
        if (te->col_bias) v += te->col_bias[col + j];
        if (te->res) v += te->res[(row + r) * te->ldr + col + j];
        v = v < te->lo ? te->lo : v;
        v = v > te->hi ? te->hi : v;
      }
      dst[j] = v;
    }
  }
}

// The tile computed locally and added/stored transposed: c[j * ldc + i] for the tile's
// (i, j); the epilogue (bias per j, residual, clamp) when `last`.
// The last K block of a transposing GEMM: the tile plus the earlier blocks' partial sums
// (`partial`, untransposed, when accumulate), with the epilogue, stored at c[j * ldc + i].
void TransposedKernel(int64_t kc, const float* a, const float* b, const float* partial, float* c,
                      int64_t ldc, int64_t rows, int64_t cols, bool accumulate,
                      const TileEpilogue& te, int64_t row, int64_t col) {
  alignas(64) float tile[kMR * kNR];
  Kernel6x16(kc, a, b, tile, kNR, false, nullptr, 0, 0);
  if (accumulate) {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < kNR; ++j) tile[r * kNR + j] += partial[r * te.ldp + j];
  }
  for (int64_t j = 0; j < cols; ++j) {
    float* dst = c + j * ldc;
    const float cb = te.col_bias ? te.col_bias[col + j] : 0.0f;
    const float* rr = te.res ? te.res + (col + j) * te.ldr + row : nullptr;
    for (int64_t r = 0; r < rows; ++r) {
      float v = tile[r * kNR + j] + cb + (rr ? rr[r] : 0.0f);
      v = v < te.lo ? te.lo : v;
      dst[r] = v > te.hi ? te.hi : v;
    }
  }
}

}  // namespace kernel_detail

int64_t ScratchFloats(int64_t k, int64_t n) {
  const int64_t nc = std::min(kNC, (n + kNR - 1) / kNR * kNR);
  return std::min(kKC, std::max<int64_t>(k, 1)) * std::max<int64_t>(nc, kNR);
}

SOCD_HOT_LOOP
void PackRows(const float* base, const int64_t* row_off, int64_t k0, int64_t k1, int64_t n0,
              int64_t n1, float* dst) {
  for (int64_t j0 = n0; j0 < n1; j0 += kNR) {
    const int64_t cols = std::min(kNR, n1 - j0);
    if (cols == kNR) {
      for (int64_t p = k0; p < k1; ++p, dst += kNR) {
        const float* src = base + row_off[p] + j0;
        for (int64_t j = 0; j < kNR; ++j) dst[j] = src[j];
      }
      continue;
    }
    for (int64_t p = k0; p < k1; ++p, dst += kNR) {
      const float* src = base + row_off[p] + j0;
      for (int64_t j = 0; j < cols; ++j) dst[j] = src[j];
      for (int64_t j = cols; j < kNR; ++j) dst[j] = 0.0f;
    }
  }
}

namespace driver_detail {

// Where the B panels come from: Prepare runs once per (K block, N block), Panel then gives the
// panel holding column `col`.
struct PackedSource {  // packed into scratch by the caller's function
  const PackBFn& pack;
  void Prepare(int64_t k0, int64_t k1, int64_t n0, int64_t n1, float* scratch) const {
    pack(k0, k1, n0, n1, scratch);
  }
  const float* Panel(int64_t kc, int64_t, int64_t n0, int64_t col, const float* scratch) const {
    return scratch + (col - n0) / kNR * kc * kNR;
  }
};

// B read through row offsets and packed into aligned panels per block: measured faster than
// letting the micro-kernel load the offset rows in place (unaligned, strided: ~77 vs ~85
// GFLOP/s on resnet-like shapes).
struct DirectSource {
  const DirectB& b;
  void Prepare(int64_t k0, int64_t k1, int64_t n0, int64_t n1, float* scratch) const {
    PackRows(b.base, b.row_off, k0, k1, n0, n1, scratch);
  }
  const float* Panel(int64_t kc, int64_t, int64_t n0, int64_t col, const float* scratch) const {
    return scratch + (col - n0) / kNR * kc * kNR;
  }
};

struct PrepackedSource {  // packed once
  const PackedB& b;
  void Prepare(int64_t, int64_t, int64_t, int64_t, float*) const {}
  const float* Panel(int64_t, int64_t k0, int64_t, int64_t col, const float*) const {
    return b.Panel(k0, col);
  }
};

template <typename Source>
void Drive(const PackedA& a, int64_t n_begin, int64_t n_end, const Source& src, float* c,
           int64_t ldc, const Epilogue& ep, float* scratch) {
  const int64_t m = a.m(), k = a.k();
  if (m == 0 || n_end <= n_begin) return;
  const int64_t mp = a.panels();
  const TileEpilogue* te = ep.tile;
  for (int64_t n0 = n_begin; n0 < n_end; n0 += kNC) {
    const int64_t n1 = std::min(n_end, n0 + kNC);
    const int64_t np = (n1 - n0 + kNR - 1) / kNR;
    if (k == 0) {
      // No products: C is the epilogue applied to zeros.
      alignas(64) static const float zeros[kMR * kKC] = {};
      for (int64_t pi = 0; pi < mp; ++pi)
        for (int64_t j = 0; j < np; ++j) {
          const int64_t row = pi * kMR, col = n0 + j * kNR;
          kernel_detail::EdgeKernel(0, zeros, zeros, c + row * ldc + col, ldc,
                                    std::min(kMR, m - row), std::min(kNR, n1 - col), false, te, row,
                                    col);
        }
      if (ep.block) ep.block(0, m, n0, n1);
      continue;
    }
    for (int64_t k0 = 0; k0 < k; k0 += kKC) {
      const int64_t kc = std::min(kKC, k - k0);
      const bool last = k0 + kc == k;
      src.Prepare(k0, k0 + kc, n0, n1, scratch);
      for (int64_t pb = 0; pb < mp; pb += kMCPanels) {
        const int64_t pe = std::min(mp, pb + kMCPanels);
        for (int64_t j = 0; j < np; ++j) {
          const int64_t col = n0 + j * kNR;
          const int64_t cols = std::min(kNR, n1 - col);
          const float* bp = src.Panel(kc, k0, n0, col, scratch);
          for (int64_t pi = pb; pi < pe; ++pi) {
            const int64_t row = pi * kMR;
            const int64_t rows = std::min(kMR, m - row);
            if (te && te->transpose_store) {
              float* part = te->partial + row * te->ldp + col;
              if (last) {
                kernel_detail::TransposedKernel(kc, a.Panel(k0, pi), bp, part, c + col * ldc + row,
                                                ldc, rows, cols, k0 > 0, *te, row, col);
              } else {
                // Partial rows past M are harmless here: the partial buffer is padded.
                kernel_detail::Kernel6x16(kc, a.Panel(k0, pi), bp, part, te->ldp, k0 > 0, nullptr,
                                          0, 0);
              }
              continue;
            }
            float* ct = c + row * ldc + col;
            const TileEpilogue* t = last ? te : nullptr;
            if (rows == kMR && cols == kNR) {
              kernel_detail::Kernel6x16(kc, a.Panel(k0, pi), bp, ct, ldc, k0 > 0, t, row, col);
            } else {
              kernel_detail::EdgeKernel(kc, a.Panel(k0, pi), bp, ct, ldc, rows, cols, k0 > 0, t,
                                        row, col);
            }
          }
        }
        if (last && ep.block) ep.block(pb * kMR, std::min(m, pe * kMR), n0, n1);
      }
    }
  }
}

}  // namespace driver_detail

void Gemm(const PackedA& a, int64_t n_begin, int64_t n_end, const PackBFn& pack_b, float* c,
          int64_t ldc, const Epilogue& epilogue, float* scratch) {
  driver_detail::Drive(a, n_begin, n_end, driver_detail::PackedSource{pack_b}, c, ldc, epilogue,
                       scratch);
}

void Gemm(const PackedA& a, int64_t n_begin, int64_t n_end, const PackedB& b, float* c, int64_t ldc,
          const Epilogue& epilogue, float* scratch) {
  driver_detail::Drive(a, n_begin, n_end, driver_detail::PrepackedSource{b}, c, ldc, epilogue,
                       scratch);
}

void Gemm(const PackedA& a, int64_t n_begin, int64_t n_end, const DirectB& b, float* c, int64_t ldc,
          const Epilogue& epilogue, float* scratch) {
  driver_detail::Drive(a, n_begin, n_end, driver_detail::DirectSource{b}, c, ldc, epilogue,
                       scratch);
}

}  // namespace socd::cpu::packed_gemm
