// The sub-16-bit element types of ONNX 1.15+ (float8 e4m3fn/e4m3fnuz/e5m2/e5m2fnuz, float8 e8m0,
// float4 e2m1) and the 4- and 2-bit integers. socd holds every one of them unpacked, one
// element per byte (the code in the low bits; int4/int2 sign-extended), so kernels index them
// like uint8 and only the ONNX TensorProto boundary packs and unpacks.
//
// Conversions match ONNX's reference implementation (numpy + ml_dtypes): float -> float8 rounds
// to nearest even; values beyond the largest finite number become the maximum with
// `saturate`, else infinity (e5m2) or NaN (types without infinity); float4 e2m1 always
// saturates; float -> int4/int2 truncates toward zero and keeps the low bits (wraps).
#pragma once

#include <cstdint>
#include <string_view>

#include "graph/dtype.h"

namespace socd::graph {

// float8 e4m3fn, e4m3fnuz, e5m2, e5m2fnuz and float4 e2m1.
bool IsMiniFloat(DType t);
// Every type held as an unpacked byte per element (the above, e8m0, int4/uint4/int2/uint2).
bool IsSubByte(DType t);
// int4/uint4/int2/uint2.
bool IsSubByteInt(DType t);
// Bits per element in ONNX's packed TensorProto storage (4 or 2), 8 for byte types.
int PackedBits(DType t);

// Code <-> value for IsMiniFloat types.
float MiniFloatToFloat(uint8_t code, DType t);
uint8_t FloatToMiniFloat(float v, DType t, bool saturate);

// float8 e8m0 (an exponent only: 2^(code-127), 0xff = NaN). `round_mode`: "up", "down" or
// "nearest", as Cast-24's attribute.
enum class E8M0Round { kUp, kDown, kNearest };
bool ParseE8M0Round(std::string_view s, E8M0Round& out);
float E8M0ToFloat(uint8_t code);
uint8_t FloatToE8M0(float v, bool saturate, E8M0Round mode);

// int4/uint4/int2/uint2 from a float (truncated, low bits kept) or an integer (low bits
// kept); returns the stored byte (sign-extended for the signed types).
int8_t WrapToSubByte(int64_t v, DType t);
int8_t FloatToSubByteInt(double v, DType t);
// The stored byte's value.
int64_t SubByteIntValue(uint8_t stored, DType t);

}  // namespace socd::graph
