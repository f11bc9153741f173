// socd's own single-precision GEMM for layers with constant weights: C[M, N] = A[M, K] * B[K, N]
// on a 6x16 AVX2-sized micro-kernel. A comes in panels of kMR rows (conv weights packed once,
// or activations packed per run), B in panels of kNR columns (MatMul/Gemm weights packed once,
// or packed block by block by a caller-supplied packer: conv packs straight from the image, so
// im2col never exists as a full matrix). Every C element is summed over K in the same order
// whatever its position, so identical rows of A give bit-identical rows of C (oneDNN's sgemm
// does not guarantee this). Blocking: B blocks of kKC x NC in L2, one B panel in L1 while the
// A panels of an M block stream past it; the caller's epilogue runs on each finished block.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>

namespace socd::cpu::packed_gemm {

constexpr int64_t kMR = 6;    // rows of A per micro-kernel (6 x 2 ymm accumulators)
constexpr int64_t kNR = 16;   // columns of B per micro-kernel
constexpr int64_t kKC = 256;  // K per block: a B panel of kKC x kNR floats is 16 KiB (L1)

// 64-byte aligned float storage; Resize does not keep the contents.
class FloatBuffer {
 public:
  FloatBuffer() = default;
  explicit FloatBuffer(int64_t n) { Resize(n); }
  void Resize(int64_t n);
  float* data() const { return data_.get(); }
  int64_t size() const { return size_; }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::unique_ptr<float, Free> data_;
  int64_t size_ = 0;
};

// A packed for the micro-kernel: per K block, per panel of kMR rows, [kc][kMR] (rows past M
// are zero).
class PackedA {
 public:
  // a[i * row_stride + p * col_stride] is A[i][p].
  void Pack(const float* a, int64_t m, int64_t k, int64_t row_stride, int64_t col_stride);
  // A[i][p] = base[row_off[p] + col_off[i]]: a conv's im2col matrix, transposed.
  void PackGather(const float* base, const int64_t* row_off, const int64_t* col_off, int64_t m,
                  int64_t k);
  int64_t m() const { return m_; }
  int64_t k() const { return k_; }
  int64_t panels() const { return (m_ + kMR - 1) / kMR; }
  // Panel `pi` of the K block starting at k0.
  const float* Panel(int64_t k0, int64_t pi) const {
    return buf_.data() + k0 * panels() * kMR + pi * kMR * std::min(kKC, k_ - k0);
  }

 private:
  int64_t m_ = 0, k_ = 0;
  FloatBuffer buf_;
};

// Packs B rows [k0, k1) x columns [n0, n1) into dst as panels of kNR columns:
// dst[((n - n0) / kNR) * (k1 - k0) * kNR + (k - k0) * kNR + (n - n0) % kNR], zero past n1.
using PackBFn = std::function<void(int64_t k0, int64_t k1, int64_t n0, int64_t n1, float* dst)>;

// Called on each finished block of C: rows [m0, m1), columns [n0, n1).
using EpilogueFn = std::function<void(int64_t m0, int64_t m1, int64_t n0, int64_t n1)>;

// What the micro-kernel adds before its last store, while the tile is in registers: C[i][j] =
// clamp(C[i][j] + row_bias[i] + col_bias[j] + res[i * ldr + j], lo, hi), indices relative
// to C's origin; null pointers are skipped. Covers the common Conv/MatMul epilogues (bias,
// residual, Relu, Clip/ReLU6) without a second pass over C.
struct TileEpilogue {
  const float* row_bias = nullptr;
  const float* col_bias = nullptr;
  const float* res = nullptr;
  int64_t ldr = 0;
  float lo = -3.4028235e38f, hi = 3.4028235e38f;
  // C is stored transposed: element (i, j) goes to c[j * ldc + i] (and res is read at
  // res[j * ldr + i]); for a conv computed as C^T = im2col^T * W^T straight into Y. Partial
  // sums over K blocks before the last go to `partial` (untransposed, row stride ldp).
  bool transpose_store = false;
  float* partial = nullptr;
  int64_t ldp = 0;
};

// Both kinds of epilogue; either may be absent (tile == null, block empty).
struct Epilogue {
  const TileEpilogue* tile = nullptr;
  EpilogueFn block;
};

// Floats of scratch Gemm needs for n columns.
int64_t ScratchFloats(int64_t k, int64_t n);

// Columns [n_begin, n_end) of C[M, N] (row stride ldc) = A * B with the epilogue. Column
// ranges split across threads should start at multiples of kNR.
void Gemm(const PackedA& a, int64_t n_begin, int64_t n_end, const PackBFn& pack_b, float* c,
          int64_t ldc, const Epilogue& epilogue, float* scratch);

// B given through row offsets: B[k][n] = base[row_off[k] + n], a row-major matrix
// (row_off[k] = k * ldb) or a conv input seen through one offset per (channel, tap). Packed
// into panels block by block with plain contiguous copies.
struct DirectB {
  const float* base = nullptr;
  const int64_t* row_off = nullptr;
};
void Gemm(const PackedA& a, int64_t n_begin, int64_t n_end, const DirectB& b, float* c, int64_t ldc,
          const Epilogue& epilogue, float* scratch);

// B packed once (weights on the right: MatMul/Gemm), panels of kNR columns per kKC block.
class PackedB {
 public:
  // B[p][j] = scale * (trans ? b[j * ldb + p] : b[p * ldb + j]).
  void Pack(const float* b, int64_t k, int64_t n, int64_t ldb, bool trans, float scale = 1.0f);
  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  // The panel holding column `col` (a multiple of kNR) in the K block starting at k0.
  const float* Panel(int64_t k0, int64_t col) const {
    return buf_.data() + k0 * npad_ + col / kNR * std::min(kKC, k_ - k0) * kNR;
  }

 private:
  int64_t k_ = 0, n_ = 0, npad_ = 0;
  FloatBuffer buf_;
};
void Gemm(const PackedA& a, int64_t n_begin, int64_t n_end, const PackedB& b, float* c, int64_t ldc,
          const Epilogue& epilogue, float* scratch);

// Packs B[k][n] = base[row_off[k] + n]; a PackBFn building block.
void PackRows(const float* base, const int64_t* row_off, int64_t k0, int64_t k1, int64_t n0,
              int64_t n1, float* dst);

// Packs a row-major (or, with trans, column-major) matrix B; a PackBFn building block.
void PackMatrixB(const float* b, int64_t ldb, bool trans, int64_t k0, int64_t k1, int64_t n0,
                 int64_t n1, float* dst);

}  // namespace socd::cpu::packed_gemm
