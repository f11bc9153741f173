// Element types, numbered exactly as onnx.TensorProto.DataType so import is a cast.
#pragma once

#include <cstddef>
#include <cstdint>
#include "absl/strings/string_view.h"

namespace socd::graph {

enum class DType : int32_t {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kBFloat16 = 16,
  // Held unpacked, one element per byte (graph/minifloat.h); only ONNX files pack them.
  kFloat8E4M3FN = 17,
  kFloat8E4M3FNUZ = 18,
  kFloat8E5M2 = 19,
  kFloat8E5M2FNUZ = 20,
  kUInt4 = 21,
  kInt4 = 22,
  kFloat4E2M1 = 23,
  kFloat8E8M0 = 24,
  kUInt2 = 25,
  kInt2 = 26,
  // Not an ONNX element type: one element is a pointer to the run-time form of a sequence or
  // optional value (graph/sequence_type.h), so such values are planned as 8-byte scalars.
  kHandle = 1000,
};

// Bytes per element in socd's memory (1 for the sub-byte types, which socd holds unpacked;
// 16 for kString, whose elements are pointer + length views, graph/string_store.h); 0 for
// kUndefined and types socd does not know.
size_t DTypeSize(DType t);
// "float32", "int64", ... (ONNX-style lower-case names); "dtype(N)" for unknown codes.
const char* DTypeName(DType t);
bool IsKnownDType(int32_t onnx_code);
bool IsFloat(DType t);    // float16/bfloat16/float32/float64
bool IsInteger(DType t);  // signed or unsigned integer, not bool

// Maps a C++ element type to its DType (for templated kernels).
template <typename T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
  static constexpr DType value = DType::kFloat32;
};
template <>
struct DTypeOf<double> {
  static constexpr DType value = DType::kFloat64;
};
template <>
struct DTypeOf<int8_t> {
  static constexpr DType value = DType::kInt8;
};
template <>
struct DTypeOf<uint8_t> {
  static constexpr DType value = DType::kUInt8;
};
template <>
struct DTypeOf<int16_t> {
  static constexpr DType value = DType::kInt16;
};
template <>
struct DTypeOf<uint16_t> {
  static constexpr DType value = DType::kUInt16;
};
template <>
struct DTypeOf<int32_t> {
  static constexpr DType value = DType::kInt32;
};
template <>
struct DTypeOf<uint32_t> {
  static constexpr DType value = DType::kUInt32;
};
template <>
struct DTypeOf<int64_t> {
  static constexpr DType value = DType::kInt64;
};
template <>
struct DTypeOf<uint64_t> {
  static constexpr DType value = DType::kUInt64;
};
template <>
struct DTypeOf<bool> {
  static constexpr DType value = DType::kBool;
};

}  // namespace socd::graph
