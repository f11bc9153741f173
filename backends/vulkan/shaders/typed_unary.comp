// Y = f(X) for any numeric dtypes (see typed.glsl): Cast (OP 100, X's class computes, Y's
// dtype stores; CAST_FLAGS: saturate and e8m0 round mode, typed.glsl), Clip (13; bounds: p1/p2
// float bits for the float class, p3..4/p5..6 as 64-bit words for the others), Not (102),
// integer Neg/Abs/Sign/Relu, every float unary operator of unary_ops.glsl on f16/bf16 storage
// (computed in fp32), and on float64 the operators double_math.glsl makes exact enough (exp,
// log and what is built from them). p1/p2: alpha/beta.
#version 450
#include "common.glsl"
layout(constant_id = 4) const int CAST_FLAGS = 1;
#define SOCD_CAST_FLAGS CAST_FLAGS
#include "typed.glsl"
#include "unary_ops.glsl"
#include "double_math.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int OP = 0;
layout(constant_id = 1) const int TA = 1;
layout(constant_id = 2) const int TC = 1;
layout(constant_id = 3) const int CT = 0;
layout(std430, binding = 0) readonly buffer A { uint a[]; };
layout(std430, binding = 1) buffer C { uint c[]; };
SOCD_DEF_LOAD(load_a, a)

#if !SOCD_NO_F64
// log(1 + e^v) without overflow for large v or loss for very negative v.
double socd_softplus_f64(double v) {
  return v > 0.0LF ? v + socd_log1p_f64(socd_exp_f64(-v)) : socd_log1p_f64(socd_exp_f64(v));
}
#endif

uvec2 w64(int i) { return uvec2(uint(PI(i)), uint(PI(i + 1))); }

uvec2 element(uint i) {
  uvec2 x = load_a(i, TA);
  // A copy (Cast to the same type, data movement) keeps the bits: decoding and re-encoding
  // would not (NaN payloads, float8e8m0's subnormal code 0).
  if (OP == 100 && TA == TC) return x;
  switch (CT) {
    case 0: {
      float v = to_f32(x, TA);
      if (OP == 100) return from_f32(v, TC);
      if (OP == 102) return from_f32(v == 0.0 ? 1.0 : 0.0, TC);
      return from_f32(unary_apply(OP, v, PF(1), PF(2)), TC);
    }
#if !SOCD_NO_F64
    case 1: {
      double v = to_f64(x, TA);
      double a = double(PF(1)), b = double(PF(2));
      // Op codes as unary_ops.glsl; vk_ops_typed.cc lists the ones implemented here.
      switch (OP) {
        case 1: v = max(v, 0.0LF); break;
        case 2: v = 1.0LF / (1.0LF + socd_exp_f64(-v)); break;
        case 3: v = socd_tanh_f64(v); break;
        case 4: v = socd_exp_f64(v); break;
        case 5: v = socd_log_f64(v); break;
        case 14: v = v >= 0.0LF ? v : a * v; break;
        case 15: v = v > 0.0LF ? v : a * socd_expm1_f64(v); break;
        case 16: v = b * (v > 0.0LF ? v : a * socd_expm1_f64(v)); break;
        case 17: v = clamp(a * v + b, 0.0LF, 1.0LF); break;
        case 18: v = v * clamp(v / 6.0LF + 0.5LF, 0.0LF, 1.0LF); break;
        case 19: v = socd_softplus_f64(v); break;
        case 20: v = v / (1.0LF + abs(v)); break;
        case 24: v = v * a; break;
        case 25: v = v / (1.0LF + socd_exp_f64(-v)); break;
        case 27: v = v > a ? v : 0.0LF; break;
        case 28: v = roundEven(v); break;
        case 29: v = v * socd_tanh_f64(socd_softplus_f64(v)); break;
        case 31: v = v > 0.0LF ? v : a * socd_expm1_f64(v / a); break;
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
#endif
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
