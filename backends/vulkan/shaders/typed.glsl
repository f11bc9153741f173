// Typed elementwise shaders (typed_*.comp): tensors of any ONNX numeric dtype are bound as
// plain uint words and decoded here, so ONE SPIR-V per shader serves every dtype. Element
// dtypes are specialization constants (ONNX numbers: 1 f32, 2 u8, 3 i8, 4 u16, 5 i16, 6 i32,
// 7 i64, 9 bool, 10 f16, 11 f64, 12 u32, 13 u64, 16 bf16, and the sub-byte types below); the
// driver folds the switches away.
// Math runs in one of four compute classes (CT): 0 float (f16/bf16/f32 storage, float8/float4),
// 1 double, 2 int64 (signed ints, bool, int4/uint4/int2/uint2), 3 uint64 (unsigned ints): 8- to
// 32-bit integer results wrap modulo 2^bits when stored, as ONNX's integer arithmetic does.
// Sub-byte types are held one element per byte, as everywhere in socd (graph/minifloat.h):
// 17 float8e4m3fn, 18 float8e4m3fnuz, 19 float8e5m2, 20 float8e5m2fnuz, 23 float4e2m1 (a code in
// the low bits), 24 float8e8m0, 21 uint4, 22 int4, 25 uint2, 26 int2 (int4/int2 sign-extended).
// Only Cast and data movement use them (the host refuses arithmetic). A shader that casts
// defines SOCD_CAST_FLAGS (bit 0: saturate, bits 1-2: e8m0 round mode 0 up / 1 down /
// 2 nearest) before including this file; the default is ONNX's (saturate, up).
// Outputs narrower than 32 bits are written a whole word per invocation (no byte stores, no
// atomics); a last partial word keeps the bytes past the tensor's end (they may be the
// caller's memory or another tensor).
// SOCD_NO_F64=1 builds the variant for devices with shaderInt64 but no shaderFloat64 (most
// mobile GPUs): class 1, float64 (11) and every `double` are compiled out, since any double in
// the SPIR-V declares the Float64 capability such a device cannot run; the host refuses float64
// tensors there instead (vk_ops_typed.cc).
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require

#ifndef SOCD_NO_F64
#define SOCD_NO_F64 0
#endif

#ifndef SOCD_CAST_FLAGS
#define SOCD_CAST_FLAGS 1
#endif

int dsize(int t) {
  if (t == 2 || t == 3 || t == 9 || (t >= 17 && t <= 26)) return 1;
  if (t == 4 || t == 5 || t == 10 || t == 16) return 2;
  if (t == 7 || t == 11 || t == 13) return 8;
  return 4;
}

uint64_t u64_of(uvec2 r) { return uint64_t(r.x) | (uint64_t(r.y) << 32); }
uvec2 bits_of(uint64_t v) { return uvec2(uint(v & 0xffffffffUL), uint(v >> 32)); }

// Raw element bits (low dsize bytes) of element j of a word array.
#define SOCD_DEF_LOAD(NAME, BUF)                                                   \
  uvec2 NAME(uint j, int t) {                                                      \
    int sz = dsize(t);                                                             \
    if (sz == 1) return uvec2(bitfieldExtract(BUF[j >> 2], int(j & 3u) * 8, 8), 0u);    \
    if (sz == 2) return uvec2(bitfieldExtract(BUF[j >> 1], int(j & 1u) * 16, 16), 0u);  \
    if (sz == 4) return uvec2(BUF[j], 0u);                                         \
    return uvec2(BUF[2u * j], BUF[2u * j + 1u]);                                   \
  }

// IEEE half from float, round to nearest even (packHalf2x16 leaves rounding to the driver).
uint socd_f32_to_f16(float f) {
  uint x = floatBitsToUint(f);
  uint sign = (x >> 16) & 0x8000u;
  uint e = (x >> 23) & 0xffu;
  uint m = x & 0x7fffffu;
  if (e == 0xffu) return sign | 0x7c00u | (m != 0u ? 0x200u : 0u);
  int ne = int(e) - 127 + 15;
  if (ne >= 31) return sign | 0x7c00u;
  if (ne <= 0) {
    if (ne < -10) return sign;
    m |= 0x800000u;
    uint shift = uint(14 - ne);
    uint h = m >> shift;
    uint rem = m & ((1u << shift) - 1u);
    uint half_ = 1u << (shift - 1u);
    if (rem > half_ || (rem == half_ && (h & 1u) != 0u)) h += 1u;
    return sign | h;
  }
  uint h = (uint(ne) << 10) | (m >> 13);
  uint rem = m & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0u)) h += 1u;
  return sign | h;
}

uint socd_f32_to_bf16(float f) {
  uint u = floatBitsToUint(f);
  if (isnan(f)) return 0x7fc0u;
  return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
}

int sext(uint r, int bits) { return bitfieldExtract(int(r), 0, bits); }

// ---- Sub-byte types: ports of graph/minifloat.cc (the CPU reference), in integer arithmetic
// on float32 bits so nothing depends on how a driver treats denormals or NaN payloads.

bool socd_is_mini(int t) { return t == 17 || t == 18 || t == 19 || t == 20 || t == 23; }
bool socd_is_subint(int t) { return t == 21 || t == 22 || t == 25 || t == 26; }

// One minifloat format: exponent/mantissa bits, bias, largest finite magnitude code, and how
// it spells specials: 0 e4m3fn (NaN S.1111.111, no inf), 1 fnuz (NaN 0x80, no -0, no inf),
// 2 e5m2 (IEEE inf and NaN), 3 e2m1 (no inf or NaN).
struct SocdMini { int e, m, bias; uint maxc; int kind; };
SocdMini socd_mini(int t) {
  switch (t) {
    case 17: return SocdMini(4, 3, 7, 0x7eu, 0);    // max 448
    case 18: return SocdMini(4, 3, 8, 0x7fu, 1);    // max 240
    case 19: return SocdMini(5, 2, 15, 0x7bu, 2);   // max 57344
    case 20: return SocdMini(5, 2, 16, 0x7fu, 1);   // max 57344
    default: return SocdMini(2, 1, 1, 0x7u, 3);     // float4e2m1, max 6
  }
}

float socd_pow2_f32(int k) { return uintBitsToFloat(uint(k + 127) << 23); }  // -126..127
float socd_nan_f32(uint sign) { return uintBitsToFloat(0x7fc00000u | (sign << 31)); }

float socd_mini_to_f32(uint c, int t) {
  SocdMini f = socd_mini(t);
  int sb = f.e + f.m;  // the sign bit's position
  uint sign = (c >> sb) & 1u, mag = c & ((1u << sb) - 1u);
  uint ef = mag >> f.m, mf = mag & ((1u << f.m) - 1u);
  if (f.kind == 1 && c == 0x80u) return socd_nan_f32(0u);
  if (f.kind == 0 && mag == 0x7fu) return socd_nan_f32(sign);
  if (f.kind == 2 && ef == 31u) return mf == 0u ? uintBitsToFloat((sign << 31) | 0x7f800000u)
                                                  : socd_nan_f32(sign);
  float v = float(ef == 0u ? mf : (mf | (1u << f.m))) *
            socd_pow2_f32(max(int(ef), 1) - f.bias - f.m);
  return sign != 0u ? -v : v;
}

// Round to nearest even at the format's precision (the subnormal quantum below its smallest
// normal); past the largest finite value: the maximum with saturate (always for e2m1), else
// inf (e5m2) or NaN. NaN in: the format's NaN; e2m1, which has none, gives the zero of the
// opposite sign as ml_dtypes (ONNX's reference) does.
uint socd_f32_to_mini(float v, int t, bool saturate) {
  SocdMini f = socd_mini(t);
  uint x = floatBitsToUint(v);
  uint sign = (x >> 31) << (f.e + f.m);
  uint a = x & 0x7fffffffu;
  uint nan = f.kind == 1 ? 0x80u : (sign | (f.kind == 2 ? 0x7eu : 0x7fu));
  if (a > 0x7f800000u) return f.kind == 3 ? (sign ^ 0x8u) : nan;
  uint over = saturate || f.kind == 3 ? (sign | f.maxc) : (f.kind == 2 ? (sign | 0x7cu) : nan);
  if (a == 0x7f800000u) return over;
  uint q = 0u;
  int emin = 1 - f.bias, e = emin;
  if (a >= 0x00800000u) {  // float32 subnormals are far below every format's quantum
    int ef = int(a >> 23) - 127;
    e = max(ef, emin);
    int shift = 23 + e - f.m - ef;  // quantum 2^(e - m) in units of a's last bit; >= 20
    if (shift <= 25) {
      uint mant = (a & 0x7fffffu) | 0x800000u;
      q = mant >> shift;
      uint rem = mant & ((1u << shift) - 1u), half_ = 1u << (shift - 1);
      if (rem > half_ || (rem == half_ && (q & 1u) != 0u)) q += 1u;
    }
  }
  if (q == 0u) return f.kind == 1 ? 0u : sign;  // fnuz has no negative zero
  // q counts quanta at exponent e: codes are monotonic in magnitude, and a carry out of the
  // mantissa lands in the exponent field by itself.
  uint code = (uint(e - emin) << f.m) + q;
  return code > f.maxc ? over : (sign | code);
}

// float8 e8m0: 2^(code - 127), 0xff NaN; code 0 is a float32 subnormal, so built from bits.
float socd_e8m0_to_f32(uint c) {
  if (c == 0xffu) return socd_nan_f32(0u);
  return uintBitsToFloat(c == 0u ? 0x00400000u : c << 23);
}

// onnx.numpy_helper.to_float8e8m0: the float32 exponent field, rounded by the mantissa per
// round_mode (sign ignored; NaN and inf give 0xff).
uint socd_f32_to_e8m0(float v, bool saturate, int mode) {
  uint b = floatBitsToUint(v);
  uint ex = (b >> 23) & 0xffu;
  if (ex == 0xffu) return 0xffu;
  bool up = false;
  if (mode == 2) {
    up = (b & 0x400000u) != 0u && ((b & 0x3fffffu) != 0u || ex > 0u);
  } else if (mode == 0) {
    up = (b & 0x7fffffu) != 0u;
  }
  if (up && saturate && ex == 0xfeu) up = false;
  return ex + (up ? 1u : 0u);
}

// int4/uint4/int2/uint2: the low 4 or 2 bits, sign-extended into the byte for int4/int2.
uint socd_wrap_subint(int64_t v, int t) {
  int bits = t == 21 || t == 22 ? 4 : 2;
  uint low = uint(v) & ((1u << bits) - 1u);
  return t == 22 || t == 26 ? uint(bitfieldExtract(int(low), 0, bits)) & 0xffu : low;
}

// From a float: truncated toward zero, low bits kept; NaN, inf and |v| >= 9.2e18 give 0.
#if SOCD_NO_F64
// float32 inputs only: float(9.2e18) lies above 9.2e18, so no float32 compares differently.
uint socd_f32_to_subint(float v, int t) {
  if (!(abs(v) < 9.2e18)) return 0u;
  return socd_wrap_subint(int64_t(v), t);
}
#else
uint socd_f64_to_subint(double v, int t) {
  if (!(abs(v) < 9.2e18LF)) return 0u;
  return socd_wrap_subint(int64_t(v), t);
}
#endif

// Cast targets of the sub-byte types from a float32 value.
uvec2 socd_f32_to_small(float v, int t) {
  bool saturate = (SOCD_CAST_FLAGS & 1) != 0;
  if (t == 24) return uvec2(socd_f32_to_e8m0(v, saturate, (SOCD_CAST_FLAGS >> 1) & 3), 0u);
#if SOCD_NO_F64
  if (socd_is_subint(t)) return uvec2(socd_f32_to_subint(v, t), 0u);
#else
  if (socd_is_subint(t)) return uvec2(socd_f64_to_subint(double(v), t), 0u);
#endif
  return uvec2(socd_f32_to_mini(v, t, saturate), 0u);
}

float to_f32(uvec2 r, int t) {
  switch (t) {
    case 1: return uintBitsToFloat(r.x);
    case 10: return unpackHalf2x16(r.x).x;
    case 16: return uintBitsToFloat(r.x << 16);
#if !SOCD_NO_F64
    case 11: return float(packDouble2x32(r));
#endif
    case 7: return float(int64_t(u64_of(r)));
    case 13: return float(u64_of(r));
    case 3: case 22: case 26: return float(sext(r.x, 8));
    case 5: return float(sext(r.x, 16));
    case 6: return float(int(r.x));
    case 17: case 18: case 19: case 20: case 23: return socd_mini_to_f32(r.x, t);
    case 24: return socd_e8m0_to_f32(r.x);
    default: return float(r.x);
  }
}

#if !SOCD_NO_F64
double to_f64(uvec2 r, int t) {
  switch (t) {
    case 11: return packDouble2x32(r);
    case 7: return double(int64_t(u64_of(r)));
    case 13: return double(u64_of(r));
    case 3: case 22: case 26: return double(sext(r.x, 8));
    case 5: return double(sext(r.x, 16));
    case 6: return double(int(r.x));
    case 2: case 4: case 9: case 12: case 21: case 25: return double(r.x);
    default: return double(to_f32(r, t));
  }
}
#endif

int64_t to_i64(uvec2 r, int t) {
  switch (t) {
    case 7: case 13: return int64_t(u64_of(r));
    case 3: case 22: case 26: return int64_t(sext(r.x, 8));
    case 5: return int64_t(sext(r.x, 16));
    case 6: return int64_t(int(r.x));
    case 2: case 4: case 9: case 12: case 21: case 25: return int64_t(r.x);
#if !SOCD_NO_F64
    case 11: return int64_t(packDouble2x32(r));
#endif
    default: return int64_t(to_f32(r, t));
  }
}

uint64_t to_u64(uvec2 r, int t) {
  switch (t) {
#if !SOCD_NO_F64
    case 11: return uint64_t(packDouble2x32(r));
#endif
    case 1: case 10: case 16: return uint64_t(to_f32(r, t));
    default: return uint64_t(to_i64(r, t));
  }
}

uvec2 from_f32(float v, int t) {
  switch (t) {
    case 1: return uvec2(floatBitsToUint(v), 0u);
    case 10: return uvec2(socd_f32_to_f16(v), 0u);
    case 16: return uvec2(socd_f32_to_bf16(v), 0u);
#if !SOCD_NO_F64
    case 11: return unpackDouble2x32(double(v));
#endif
    case 9: return uvec2(v != 0.0 ? 1u : 0u, 0u);
    case 7: return bits_of(uint64_t(int64_t(v)));
    case 13: return bits_of(uint64_t(v));
    case 3: case 5: case 6: return uvec2(uint(int(v)), 0u);
    case 2: case 4: case 12: return uvec2(uint(v), 0u);
    default: return socd_f32_to_small(v, t);
  }
}

#if !SOCD_NO_F64
uvec2 from_f64(double v, int t) {
  switch (t) {
    case 11: return unpackDouble2x32(v);
    case 9: return uvec2(v != 0.0LF ? 1u : 0u, 0u);
    case 7: case 3: case 5: case 6: return bits_of(uint64_t(int64_t(v)));
    case 13: case 2: case 4: case 12: return bits_of(uint64_t(v));
    case 21: case 22: case 25: case 26: return uvec2(socd_f64_to_subint(v, t), 0u);
    default: return from_f32(float(v), t);  // float8/float4 round once from float, as the CPU
  }
}
#endif

uvec2 from_i64(int64_t v, int t) {
  if (socd_is_subint(t)) return uvec2(socd_wrap_subint(v, t), 0u);
  switch (t) {
    case 1: case 10: case 16: case 17: case 18: case 19: case 20: case 23: case 24:
      return from_f32(float(v), t);
#if !SOCD_NO_F64
    case 11: return unpackDouble2x32(double(v));
#endif
    case 9: return uvec2(v != 0L ? 1u : 0u, 0u);
    default: return bits_of(uint64_t(v));
  }
}

uvec2 from_u64(uint64_t v, int t) {
  if (socd_is_subint(t)) return uvec2(socd_wrap_subint(int64_t(v), t), 0u);
  switch (t) {
    case 1: case 10: case 16: case 17: case 18: case 19: case 20: case 23: case 24:
      return from_f32(float(v), t);
#if !SOCD_NO_F64
    case 11: return unpackDouble2x32(double(v));
#endif
    case 9: return uvec2(v != 0UL ? 1u : 0u, 0u);
    default: return bits_of(v);
  }
}

// main() for a shader that defines `uvec2 element(uint i)` (the output element's bits), the
// output word array `c` and the output dtype TC. p0: element count.
#define SOCD_TYPED_MAIN                                                    \
  void main() {                                                           \
    uint g = flat_id();                                                   \
    uint n = uint(PI(0));                                                 \
    int sz = dsize(TC);                                                   \
    if (sz >= 4) {                                                        \
      if (g >= n) return;                                                 \
      uvec2 r = element(g);                                               \
      if (sz == 4) {                                                      \
        c[g] = r.x;                                                       \
      } else {                                                            \
        c[2u * g] = r.x;                                                  \
        c[2u * g + 1u] = r.y;                                             \
      }                                                                   \
      return;                                                             \
    }                                                                     \
    uint per = uint(4 / sz);                                              \
    uint first = g * per;                                                 \
    if (first >= n) return;                                               \
    uint bits = uint(sz * 8);                                             \
    uint word = first + per > n ? c[g] : 0u;                              \
    for (uint e = 0u; e < per; ++e) {                                     \
      if (first + e >= n) break;                                          \
      word = bitfieldInsert(word, element(first + e).x, int(e * bits), int(bits)); \
    }                                                                     \
    c[g] = word;                                                          \
  }
