// Y = f(X) for any numeric dtypes (see typed.glsl): Cast (OP 100, X's class computes, Y's
// dtype stores), Clip (13; bounds: p1/p2 float bits for the float class, p3..4/p5..6 as 64-bit
// words for the others), Not (102), integer Neg/Abs/Sign/Relu, and every float unary operator
// of unary_ops.glsl on f16/bf16 storage (computed in fp32). p1/p2: alpha/beta.
#version 450
#include "common.glsl"
#include "typed.glsl"
#include "unary_ops.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int OP = 0;
layout(constant_id = 1) const int TA = 1;
layout(constant_id = 2) const int TC = 1;
layout(constant_id = 3) const int CT = 0;
layout(std430, binding = 0) readonly buffer A { uint a[]; };
layout(std430, binding = 1) buffer C { uint c[]; };
SOCD_DEF_LOAD(load_a, a)

uvec2 w64(int i) { return uvec2(uint(PI(i)), uint(PI(i + 1))); }

uvec2 element(uint i) {
  uvec2 x = load_a(i, TA);
  switch (CT) {
    case 0: {
      float v = to_f32(x, TA);
      if (OP == 100) return from_f32(v, TC);
      if (OP == 102) return from_f32(v == 0.0 ? 1.0 : 0.0, TC);
      return from_f32(unary_apply(OP, v, PF(1), PF(2)), TC);
    }
    case 1: {
      double v = to_f64(x, TA);
      switch (OP) {
        case 1: v = max(v, 0.0LF); break;
        case 6: v = sqrt(v); break;
        case 7: v = -v; break;
        case 8: v = abs(v); break;
        case 9: v = 1.0LF / v; break;
        case 10: v = floor(v); break;
        case 11: v = ceil(v); break;
        case 13: v = min(max(v, packDouble2x32(w64(3))), packDouble2x32(w64(5))); break;
        case 23: v = sign(v); break;
        case 102: v = v == 0.0LF ? 1.0LF : 0.0LF; break;
        default: break;
      }
      return from_f64(v, TC);
    }
    case 2: {
      int64_t v = to_i64(x, TA);
      switch (OP) {
        case 1: v = max(v, 0L); break;
        case 7: v = -v; break;
        case 8: v = abs(v); break;
        case 13: v = min(max(v, int64_t(u64_of(w64(3)))), int64_t(u64_of(w64(5)))); break;
        case 23: v = v > 0L ? 1L : (v < 0L ? -1L : 0L); break;
        case 102: v = v == 0L ? 1L : 0L; break;
        default: break;
      }
      return from_i64(v, TC);
    }
    default: {
      uint64_t v = to_u64(x, TA);
      switch (OP) {
        case 13: v = min(max(v, u64_of(w64(3))), u64_of(w64(5))); break;
        case 23: v = v > 0UL ? 1UL : 0UL; break;
        default: break;
      }
      return from_u64(v, TC);
    }
  }
}

SOCD_TYPED_MAIN
