// Integer GEMM and requantization shared by MatMulInteger, QLinearMatMul, ConvInteger and
// QLinearConv.
//
// The integer product runs on the float sgemm, exactly: operands have their zero points
// subtracted first, so every value is an integer in [-255, 255] and every product is at most
// 65025 in magnitude. Summing at most 256 of them stays below 2^24, where float arithmetic on
// integers is exact in any order, so K is cut into chunks of 256 whose float results convert to
// int32 without error. (oneDNN's u8s8 integer GEMM does not cover u8 x u8 or per-column zero
// points, and without VNNI it may saturate int16 intermediates.)
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "backends/cpu/kernel.h"
#include "graph/tensor.h"

namespace socd::cpu::qgemm {

constexpr int64_t kExactChunk = 256;

// C[M,N] = A[M,K] * B[K,N] (row-major, leading dimensions lda/ldb/ldc) for integer-valued float
// operands with |value| <= 255. `scratch` is resized as needed.
void ExactIntGemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                  int64_t ldb, int32_t* c, int64_t ldc, int threads, std::vector<float>& scratch);

// dst[i] = src[i] - zero_point, as float, for int8/uint8 data.
void ShiftToFloat(const TensorView& src, int64_t offset, int64_t count, int32_t zero_point,
                  float* dst);

// Element i of an int8/uint8 (or int32) tensor as int32.
inline int32_t IntAt(const TensorView& t, int64_t i) {
  return static_cast<int32_t>(graph::ReadInt(t, i));
}

// Element i of a float32/float16/bfloat16 tensor as float.
float ScaleAt(const TensorView& t, int64_t i);

// Rounds a float to the precision of `dt` (float16/bfloat16), as numpy arithmetic in that type
// would; float32 values pass through.
float RoundTo(float v, DType dt);

// The ONNX reference's requantization: the int32 accumulator times the float multiplier in
// double precision, plus the zero point, rounded half to even and saturated to [lo, hi].
inline int32_t Requantize(int32_t acc, float multiplier, int32_t zero_point, int32_t lo,
                          int32_t hi) {
  double d = std::nearbyint(static_cast<double>(acc) * static_cast<double>(multiplier) +
                            static_cast<double>(zero_point));
  if (!(d >= lo)) return lo;
  if (d > hi) return hi;
  return static_cast<int32_t>(d);
}

// Writes int32 results v (already saturated to the type's range) as uint8/int8.
inline void StoreQuantized(const TensorView& out, int64_t i, int32_t v) {
  if (out.dtype == DType::kUInt8)
    out.as<uint8_t>()[i] = static_cast<uint8_t>(v);
  else
    out.as<int8_t>()[i] = static_cast<int8_t>(v);
}

}  // namespace socd::cpu::qgemm

namespace socd::cpu {
void RegisterQGemmKernels(KernelRegistry& r);  // MatMulInteger, QLinearMatMul
void RegisterQConvKernels(KernelRegistry& r);  // ConvInteger, QLinearConv
}  // namespace socd::cpu
