// Typed elementwise shaders (typed_*.comp): tensors of any ONNX numeric dtype are bound as
// plain uint words and decoded here, so ONE SPIR-V per shader serves every dtype. Element
// dtypes are specialization constants (ONNX numbers: 1 f32, 2 u8, 3 i8, 4 u16, 5 i16, 6 i32,
// 7 i64, 9 bool, 10 f16, 11 f64, 12 u32, 13 u64, 16 bf16); the driver folds the switches away.
// Math runs in one of four compute classes (CT): 0 float (f16/bf16/f32 storage), 1 double,
// 2 int64 (signed ints, bool), 3 uint64 (unsigned ints): 8- to 32-bit integer results wrap
// modulo 2^bits when stored, as ONNX's integer arithmetic does.
// Outputs narrower than 32 bits are written a whole word per invocation (no byte stores, no
// atomics); a last partial word keeps the bytes past the tensor's end (they may be the
// caller's memory or another tensor).
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require

int dsize(int t) {
  if (t == 2 || t == 3 || t == 9) return 1;
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

float to_f32(uvec2 r, int t) {
  switch (t) {
    case 1: return uintBitsToFloat(r.x);
    case 10: return unpackHalf2x16(r.x).x;
    case 16: return uintBitsToFloat(r.x << 16);
    case 11: return float(packDouble2x32(r));
    case 7: return float(int64_t(u64_of(r)));
    case 13: return float(u64_of(r));
    case 3: return float(sext(r.x, 8));
    case 5: return float(sext(r.x, 16));
    case 6: return float(int(r.x));
    default: return float(r.x);
  }
}

double to_f64(uvec2 r, int t) {
  switch (t) {
    case 11: return packDouble2x32(r);
    case 7: return double(int64_t(u64_of(r)));
    case 13: return double(u64_of(r));
    case 3: return double(sext(r.x, 8));
    case 5: return double(sext(r.x, 16));
    case 6: return double(int(r.x));
    case 2: case 4: case 9: case 12: return double(r.x);
    default: return double(to_f32(r, t));
  }
}

int64_t to_i64(uvec2 r, int t) {
  switch (t) {
    case 7: case 13: return int64_t(u64_of(r));
    case 3: return int64_t(sext(r.x, 8));
    case 5: return int64_t(sext(r.x, 16));
    case 6: return int64_t(int(r.x));
    case 2: case 4: case 9: case 12: return int64_t(r.x);
    case 11: return int64_t(packDouble2x32(r));
    default: return int64_t(to_f32(r, t));
  }
}

uint64_t to_u64(uvec2 r, int t) {
  switch (t) {
    case 11: return uint64_t(packDouble2x32(r));
    case 1: case 10: case 16: return uint64_t(to_f32(r, t));
    default: return uint64_t(to_i64(r, t));
  }
}

uvec2 from_f32(float v, int t) {
  switch (t) {
    case 1: return uvec2(floatBitsToUint(v), 0u);
    case 10: return uvec2(socd_f32_to_f16(v), 0u);
    case 16: return uvec2(socd_f32_to_bf16(v), 0u);
    case 11: return unpackDouble2x32(double(v));
    case 9: return uvec2(v != 0.0 ? 1u : 0u, 0u);
    case 7: return bits_of(uint64_t(int64_t(v)));
    case 13: return bits_of(uint64_t(v));
    case 3: case 5: case 6: return uvec2(uint(int(v)), 0u);
    default: return uvec2(uint(v), 0u);
  }
}

uvec2 from_f64(double v, int t) {
  switch (t) {
    case 11: return unpackDouble2x32(v);
    case 9: return uvec2(v != 0.0LF ? 1u : 0u, 0u);
    case 7: case 3: case 5: case 6: return bits_of(uint64_t(int64_t(v)));
    case 13: case 2: case 4: case 12: return bits_of(uint64_t(v));
    default: return from_f32(float(v), t);
  }
}

uvec2 from_i64(int64_t v, int t) {
  switch (t) {
    case 1: case 10: case 16: return from_f32(float(v), t);
    case 11: return unpackDouble2x32(double(v));
    case 9: return uvec2(v != 0L ? 1u : 0u, 0u);
    default: return bits_of(uint64_t(v));
  }
}

uvec2 from_u64(uint64_t v, int t) {
  switch (t) {
    case 1: case 10: case 16: return from_f32(float(v), t);
    case 11: return unpackDouble2x32(double(v));
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
