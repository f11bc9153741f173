#include "graph/minifloat.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace socd::graph {

namespace minifloat_impl {

// The layout of one minifloat format.
struct Format {
  int exp_bits, mant_bits, bias;
  bool has_inf;     // e5m2 only: exponent all ones, mantissa 0
  bool ieee_nan;    // e5m2: exponent all ones, mantissa != 0
  bool fn_nan;      // e4m3fn: exponent and mantissa all ones
  bool uz;          // fnuz: no negative zero; 0x80 is the only NaN
  bool no_special;  // float4 e2m1: neither infinity nor NaN
  float max;        // largest finite value
};

const Format& FormatOf(DType t) {
  static const Format e4m3fn{4, 3, 7, false, false, true, false, false, 448.f};
  static const Format e4m3fnuz{4, 3, 8, false, false, false, true, false, 240.f};
  static const Format e5m2{5, 2, 15, true, true, false, false, false, 57344.f};
  static const Format e5m2fnuz{5, 2, 16, false, false, false, true, false, 57344.f};
  static const Format e2m1{2, 1, 1, false, false, false, false, true, 6.f};
  switch (t) {
    case DType::kFloat8E4M3FN:
      return e4m3fn;
    case DType::kFloat8E4M3FNUZ:
      return e4m3fnuz;
    case DType::kFloat8E5M2:
      return e5m2;
    case DType::kFloat8E5M2FNUZ:
      return e5m2fnuz;
    default:
      return e2m1;
  }
}

// The NaN code ml_dtypes produces (and so ONNX's reference data holds).
uint8_t NanCode(const Format& f, bool negative) {
  if (f.uz) return 0x80;
  const uint8_t sign = negative ? 0x80 : 0;
  if (f.ieee_nan) return static_cast<uint8_t>(sign | 0x7e);  // e5m2: quiet NaN, mantissa 10
  return static_cast<uint8_t>(sign | 0x7f);                  // e4m3fn: all ones
}

uint8_t InfCode(const Format& f, bool negative) {
  const int bits = 1 + f.exp_bits + f.mant_bits;
  const uint8_t e = static_cast<uint8_t>(((1u << f.exp_bits) - 1) << f.mant_bits);
  return static_cast<uint8_t>((negative ? 1u << (bits - 1) : 0u) | e);
}

// Encodes a finite non-negative value that is exactly representable and <= max.
uint8_t EncodeExact(const Format& f, float a) {
  if (a == 0.f) return 0;
  const int emin = 1 - f.bias;  // exponent of the smallest normal
  int e = std::ilogb(a);
  if (e < emin) {
    const float m = std::ldexp(a, f.mant_bits - emin);  // subnormal mantissa, an integer
    return static_cast<uint8_t>(m);
  }
  const float m = std::ldexp(a, f.mant_bits - e) - static_cast<float>(1 << f.mant_bits);
  return static_cast<uint8_t>(((e + f.bias) << f.mant_bits) | static_cast<int>(m));
}

}  // namespace minifloat_impl

using minifloat_impl::Format;
using minifloat_impl::FormatOf;

bool IsMiniFloat(DType t) {
  return t == DType::kFloat8E4M3FN || t == DType::kFloat8E4M3FNUZ || t == DType::kFloat8E5M2 ||
         t == DType::kFloat8E5M2FNUZ || t == DType::kFloat4E2M1;
}

bool IsSubByte(DType t) {
  return IsMiniFloat(t) || t == DType::kFloat8E8M0 || t == DType::kInt4 || t == DType::kUInt4 ||
         t == DType::kInt2 || t == DType::kUInt2;
}

bool IsSubByteInt(DType t) {
  return t == DType::kInt4 || t == DType::kUInt4 || t == DType::kInt2 || t == DType::kUInt2;
}

int PackedBits(DType t) {
  switch (t) {
    case DType::kInt4:
    case DType::kUInt4:
    case DType::kFloat4E2M1:
      return 4;
    case DType::kInt2:
    case DType::kUInt2:
      return 2;
    default:
      return 8;
  }
}

float MiniFloatToFloat(uint8_t code, DType t) {
  const Format& f = FormatOf(t);
  const int bits = 1 + f.exp_bits + f.mant_bits;
  code &= static_cast<uint8_t>((1u << bits) - 1);
  const bool neg = (code >> (bits - 1)) & 1;
  const int e = (code >> f.mant_bits) & ((1 << f.exp_bits) - 1);
  const int m = code & ((1 << f.mant_bits) - 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  if (f.uz && code == 0x80) return nan;
  if (f.fn_nan && e == (1 << f.exp_bits) - 1 && m == (1 << f.mant_bits) - 1)
    return neg ? -nan : nan;
  if (f.has_inf && e == (1 << f.exp_bits) - 1) {
    if (m == 0)
      return neg ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    return neg ? -nan : nan;
  }
  float v = e == 0
                ? std::ldexp(static_cast<float>(m), 1 - f.bias - f.mant_bits)
                : std::ldexp(static_cast<float>(m + (1 << f.mant_bits)), e - f.bias - f.mant_bits);
  return neg ? -v : v;
}

uint8_t FloatToMiniFloat(float v, DType t, bool saturate) {
  const Format& f = FormatOf(t);
  const int bits = 1 + f.exp_bits + f.mant_bits;
  const bool neg = std::signbit(v);
  const uint8_t sign = neg ? static_cast<uint8_t>(1u << (bits - 1)) : 0;
  if (std::isnan(v)) {
    // float4 e2m1 has no NaN; ml_dtypes (ONNX's reference data) gives the zero of the
    // opposite sign.
    if (f.no_special) return static_cast<uint8_t>(sign ^ 0x8);
    return minifloat_impl::NanCode(f, neg);
  }
  float a = std::fabs(v);
  auto overflow = [&]() -> uint8_t {
    if (saturate || f.no_special)
      return static_cast<uint8_t>(sign | minifloat_impl::EncodeExact(f, f.max));
    if (f.has_inf) return minifloat_impl::InfCode(f, neg);
    return minifloat_impl::NanCode(f, neg);
  };
  if (std::isinf(a)) return overflow();
  // Round to the format's precision at a's exponent (or the subnormal quantum), ties to even.
  const int emin = 1 - f.bias;
  int e = a == 0.f ? emin : std::max(std::ilogb(a), emin);
  const float q = std::nearbyint(std::ldexp(a, f.mant_bits - e));
  const float r = std::ldexp(q, e - f.mant_bits);
  if (r > f.max) return overflow();
  if (r == 0.f) return f.uz ? 0 : sign;  // fnuz has no negative zero
  return static_cast<uint8_t>(sign | minifloat_impl::EncodeExact(f, r));
}

bool ParseE8M0Round(std::string_view s, E8M0Round& out) {
  if (s == "up")
    out = E8M0Round::kUp;
  else if (s == "down")
    out = E8M0Round::kDown;
  else if (s == "nearest")
    out = E8M0Round::kNearest;
  else
    return false;
  return true;
}

float E8M0ToFloat(uint8_t code) {
  if (code == 0xff) return std::numeric_limits<float>::quiet_NaN();
  return std::ldexp(1.f, static_cast<int>(code) - 127);
}

// A port of onnx.numpy_helper.to_float8e8m0: the float32 exponent field, rounded by the
// mantissa (sign ignored, NaN/Inf -> 0xff).
uint8_t FloatToE8M0(float v, bool saturate, E8M0Round mode) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  uint32_t exponent = (b >> 23) & 0xff;
  if (exponent == 0xff) return 0xff;
  bool up = false;
  if (mode == E8M0Round::kNearest) {
    const bool g = b & 0x400000, r = b & 0x200000, s = b & 0x1fffff, lsb = exponent > 0;
    up = g && (r || s || lsb);
  } else if (mode == E8M0Round::kUp) {
    up = (b & 0x7fffff) != 0;
  }
  if (up && saturate && exponent == 0xfe) up = false;
  exponent += up ? 1 : 0;
  return static_cast<uint8_t>(exponent);
}

int8_t WrapToSubByte(int64_t v, DType t) {
  const int bits = PackedBits(t);
  const uint32_t mask = (1u << bits) - 1;
  const uint32_t low = static_cast<uint32_t>(static_cast<uint64_t>(v)) & mask;
  if (t == DType::kInt4 || t == DType::kInt2) {
    const int32_t half = 1 << (bits - 1);
    return static_cast<int8_t>(low >= static_cast<uint32_t>(half)
                                   ? static_cast<int32_t>(low) - (1 << bits)
                                   : static_cast<int32_t>(low));
  }
  return static_cast<int8_t>(low);
}

int8_t FloatToSubByteInt(double v, DType t) {
  if (!std::isfinite(v) || std::fabs(v) >= 9.2e18) return 0;
  return WrapToSubByte(static_cast<int64_t>(v), t);
}

int64_t SubByteIntValue(uint8_t stored, DType t) {
  if (t == DType::kInt4 || t == DType::kInt2) return static_cast<int8_t>(stored);
  return stored;
}

}  // namespace socd::graph
