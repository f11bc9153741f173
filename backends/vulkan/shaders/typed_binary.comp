// C = A op B for any numeric dtypes (see typed.glsl), numpy broadcasting over up to 6 dims as in
// binary.comp (p1: rank, p2..7: output dims, p8..13 / p14..19: A / B strides). Comparisons
// produce bool (TC = 9). Spec constants: op, A/B/C dtypes, compute class.
#version 450
#include "common.glsl"
#include "typed.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int OP = 0;
layout(constant_id = 1) const int TA = 1;
layout(constant_id = 2) const int TB = 1;
layout(constant_id = 3) const int TC = 1;
layout(constant_id = 4) const int CT = 0;
layout(std430, binding = 0) readonly buffer A { uint a[]; };
layout(std430, binding = 1) readonly buffer B { uint b[]; };
layout(std430, binding = 2) buffer C { uint c[]; };
SOCD_DEF_LOAD(load_a, a)
SOCD_DEF_LOAD(load_b, b)

// Op codes: keep in step with vk_ops_typed.cc (TypedBinaryCode).
float op_f(float x, float y) {
  switch (OP) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return x / y;
    case 4: return isnan(x) || x > y ? x : y;
    case 5: return isnan(x) || x < y ? x : y;
    case 6: {
      if (y == floor(y)) {
        float r = pow(abs(x), y);
        return (x < 0.0 && mod(y, 2.0) != 0.0) ? -r : r;
      }
      return pow(x, y);
    }
    case 9: return x == y ? 1.0 : 0.0;
    case 10: return x < y ? 1.0 : 0.0;
    case 11: return x > y ? 1.0 : 0.0;
    case 12: return x <= y ? 1.0 : 0.0;
    case 13: return x >= y ? 1.0 : 0.0;
    case 17: return x - y * floor(x / y);  // Mod, sign of the divisor
    case 18: return x - y * trunc(x / y);  // Mod fmod=1, sign of the dividend
    default: return x;
  }
}

#if !SOCD_NO_F64
double op_d(double x, double y) {
  switch (OP) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return x / y;
    case 4: return x != x || x > y ? x : y;
    case 5: return x != x || x < y ? x : y;
    case 9: return x == y ? 1.0LF : 0.0LF;
    case 10: return x < y ? 1.0LF : 0.0LF;
    case 11: return x > y ? 1.0LF : 0.0LF;
    case 12: return x <= y ? 1.0LF : 0.0LF;
    case 13: return x >= y ? 1.0LF : 0.0LF;
    case 17: return x - y * floor(x / y);
    case 18: return x - y * trunc(x / y);
    default: return x;
  }
}
#endif

int64_t op_i(int64_t x, int64_t y) {
  switch (OP) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return y == 0L ? 0L : x / y;  // truncates toward zero, as C and ONNX do
    case 4: return max(x, y);
    case 5: return min(x, y);
    case 6: {  // exponentiation by squaring; negative exponents give 0 unless |x| == 1
      if (y < 0L) return x == 1L ? 1L : (x == -1L ? ((y & 1L) != 0L ? -1L : 1L) : 0L);
      int64_t r = 1L, p = x;
      for (int64_t e = y; e > 0L; e >>= 1) {
        if ((e & 1L) != 0L) r *= p;
        p *= p;
      }
      return r;
    }
    case 9: return x == y ? 1L : 0L;
    case 10: return x < y ? 1L : 0L;
    case 11: return x > y ? 1L : 0L;
    case 12: return x <= y ? 1L : 0L;
    case 13: return x >= y ? 1L : 0L;
    case 14: return x & y;  // And (bool)
    case 15: return x | y;  // Or
    case 16: return x ^ y;  // Xor
    case 17: {  // Mod: the remainder takes the divisor's sign (truncating division first)
      if (y == 0L) return 0L;
      int64_t r = x - (x / y) * y;
      if (r != 0L && (r ^ y) < 0L) r += y;  // signs differ
      return r;
    }
    case 18: return y == 0L ? 0L : x - (x / y) * y;
    default: return x;
  }
}

uint64_t op_u(uint64_t x, uint64_t y) {
  switch (OP) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return y == 0UL ? 0UL : x / y;
    case 4: return max(x, y);
    case 5: return min(x, y);
    case 6: {
      uint64_t r = 1UL, p = x;
      for (uint64_t e = y; e > 0UL; e >>= 1) {
        if ((e & 1UL) != 0UL) r *= p;
        p *= p;
      }
      return r;
    }
    case 9: return x == y ? 1UL : 0UL;
    case 10: return x < y ? 1UL : 0UL;
    case 11: return x > y ? 1UL : 0UL;
    case 12: return x <= y ? 1UL : 0UL;
    case 13: return x >= y ? 1UL : 0UL;
    case 17: case 18: return y == 0UL ? 0UL : x % y;
    default: return x;
  }
}

uvec2 element(uint i) {
  int rank = PI(1);
  uint rem = i;
  uint ia = 0u, ib = 0u;
  for (int d = rank - 1; d >= 0; --d) {
    uint dim = uint(PI(2 + d));
    uint q = rem / dim;
    uint idx = rem - q * dim;
    rem = q;
    ia += idx * uint(PI(8 + d));
    ib += idx * uint(PI(14 + d));
  }
  uvec2 x = load_a(ia, TA);
  uvec2 y = load_b(ib, TB);
  switch (CT) {
    case 0: return from_f32(op_f(to_f32(x, TA), to_f32(y, TB)), TC);
#if !SOCD_NO_F64
    case 1: return from_f64(op_d(to_f64(x, TA), to_f64(y, TB)), TC);
#endif
    case 2: return from_i64(op_i(to_i64(x, TA), to_i64(y, TB)), TC);
    default: return from_u64(op_u(to_u64(x, TA), to_u64(y, TB)), TC);
  }
}

SOCD_TYPED_MAIN
