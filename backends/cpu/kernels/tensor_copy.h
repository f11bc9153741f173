// Data-movement engines shared by the tensor kernels. They work on bytes with the element size
// (1, 2, 4 or 8), so every dtype moves through the same code; the inner loops are memcpy runs
// wherever the source is contiguous, and multi-index arithmetic happens once per row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/cpu/kernel.h"

namespace socd::cpu::tensor_copy {

// True for element sizes the engines handle: every socd dtype, strings included (16-byte views,
// graph/string_store.h, moved like any other element; sizes above 8 take the memcpy paths).
inline bool SupportedElemSize(size_t es) {
  return es == 1 || es == 2 || es == 4 || es == 8 || es == 16;
}

// memcpy for the short rows data movement is made of (a few hundred bytes): inlined fixed-size
// moves instead of a library call per row. Long rows go to memcpy.
inline void CopyRow(void* dst, const void* src, size_t n) {
  if (n > 1024) {
    std::memcpy(dst, src, n);
    return;
  }
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) __builtin_memcpy(d + i, s + i, 32);
  for (; i + 8 <= n; i += 8) __builtin_memcpy(d + i, s + i, 8);
  for (; i < n; ++i) d[i] = s[i];
}

// Writes element `src` (es bytes) n times.
void FillElements(void* dst, int64_t n, const void* src, size_t es);

// Dense dst of shape `dims` from src, where element (i_0..i_r-1) is at
// src + sum(i_k * src_strides[k]) elements (strides may be 0 or negative).
void StridedCopy(void* dst, const void* src, const Shape& dims,
                 const std::vector<int64_t>& src_strides, size_t es, ThreadPool* pool);

// Dense transpose: output axis k is input axis perm[k]. Blocked when the innermost axes differ.
void Transpose(void* dst, const void* src, const Shape& in_dims, const std::vector<int64_t>& perm,
               size_t es, ThreadPool* pool);

// Dense dst of shape out_dims where position (j_0..j_r-1) reads in[maps[0][j_0], ...]: an empty
// map is the identity (out_dims[k] == in_dims[k]); an entry of -1 writes `fill` instead.
void MapCopy(void* dst, const void* src, const Shape& in_dims, const Shape& out_dims,
             const std::vector<std::vector<int64_t>>& maps, size_t es, const void* fill,
             ThreadPool* pool);

// Encodes v as one element of type t (rounding/saturating for integers) into out (8 bytes).
// False for types that cannot hold a number (string, undefined).
bool EncodeScalar(DType t, double v, void* out);

// Dense row-major strides of a shape, in elements.
std::vector<int64_t> DenseStrides(const Shape& s);

// ---- building blocks of the engines (tensor_copy.cc, tensor_transpose.cc) ----
// A copy's index space with size-1 axes dropped and neighbours that are contiguous in the
// source merged (the destination is dense, so it never prevents a merge).
struct NormView {
  std::vector<int64_t> dims, strides;
};
NormView Normalize(const Shape& dims, const std::vector<int64_t>& strides);
// Runs fn over [0, rows) on the pool when the bytes moved make it worth waking workers.
void ParallelRows(ThreadPool* pool, int64_t rows, int64_t row_bytes,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace socd::cpu::tensor_copy
