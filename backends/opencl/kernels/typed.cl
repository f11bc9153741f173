// Typed elementwise kernels: tensors of any ONNX numeric dtype passed as bytes, decoded by the
// dtype codes (ONNX numbers: 1 f32, 2 u8, 3 i8, 4 u16, 5 i16, 6 i32, 7 i64, 9 bool, 10 f16,
// 11 f64, 12 u32, 13 u64, 16 bf16, 17..26 the sub-byte types below) given as kernel arguments,
// so one program still serves every model. Math runs in a compute class (cls): 0 float
// (f16/bf16/f32 storage, float8/float4), 1 double, 2 long (signed ints, bool, int4/uint4/int2/
// uint2), 3 ulong (unsigned ints); narrower integer results wrap when stored, as ONNX integer
// arithmetic does. float16 uses vload_half/vstore_half_rte, which OpenCL 1.2 has without
// cl_khr_fp16. float64 needs cl_khr_fp64 (the host refuses it otherwise).
// Sub-byte types are held one element per byte, as everywhere in socd (graph/minifloat.h):
// 17 float8e4m3fn, 18 float8e4m3fnuz, 19 float8e5m2, 20 float8e5m2fnuz, 23 float4e2m1 (a code in
// the low bits), 24 float8e8m0, 21 uint4, 22 int4, 25 uint2, 26 int2 (int4/int2 sign-extended).
// Only Cast and data movement use them (the host refuses arithmetic); their codecs are in
// small_types.cl. The st_*_fl stores take Cast's flags `fl` (bit 0: saturate, bits 1-2: e8m0
// round mode 0 up / 1 down / 2 nearest); st_* store with ONNX's defaults.
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define SOCD_FP64 1
#else
#define SOCD_FP64 0
#endif

typedef __global const uchar* socd_in_t;
typedef __global uchar* socd_out_t;

// Bytes per element of dtype t (the sub-byte types are held one per byte).
inline int elem_size(int t) {
  if (t == 7 || t == 11 || t == 13) return 8;
  if (t == 1 || t == 6 || t == 12) return 4;
  if (t == 4 || t == 5 || t == 10 || t == 16) return 2;
  return 1;
}

inline float bf16_to_f(ushort h) { return as_float(((uint)h) << 16); }
inline ushort f_to_bf16(float f) {
  uint u = as_uint(f);
  if (isnan(f)) return (ushort)0x7fc0;
  return (ushort)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// Stores a float8/float4/e8m0 element from a float.
inline void st_small(socd_out_t p, int i, int t, float v, int fl) {
  bool saturate = (fl & 1) != 0;
  p[i] = (uchar)(t == 24 ? f_to_e8m0(v, saturate, (fl >> 1) & 3) : f_to_mini(v, t, saturate));
}

inline long ld_i(socd_in_t p, int i, int t) {
  switch (t) {
    case 2: case 21: case 25: return ((__global const uchar*)p)[i];
    case 3: case 22: case 26: return ((__global const char*)p)[i];
    case 17: case 18: case 19: case 20: case 23: case 24: return (long)small_to_f(p[i], t);
    case 4: return ((__global const ushort*)p)[i];
    case 5: return ((__global const short*)p)[i];
    case 6: return ((__global const int*)p)[i];
    case 7: return ((__global const long*)p)[i];
    case 9: return ((__global const uchar*)p)[i] != 0;
    case 12: return ((__global const uint*)p)[i];
    case 13: return (long)((__global const ulong*)p)[i];
    case 1: return (long)((__global const float*)p)[i];
    case 10: return (long)vload_half(i, (__global const half*)p);
    case 16: return (long)bf16_to_f(((__global const ushort*)p)[i]);
#if SOCD_FP64
    case 11: return (long)((__global const double*)p)[i];
#endif
  }
  return 0;
}

inline ulong ld_u(socd_in_t p, int i, int t) {
  switch (t) {
    case 13: return ((__global const ulong*)p)[i];
    case 1: return (ulong)((__global const float*)p)[i];
    case 10: return (ulong)vload_half(i, (__global const half*)p);
    case 16: return (ulong)bf16_to_f(((__global const ushort*)p)[i]);
#if SOCD_FP64
    case 11: return (ulong)((__global const double*)p)[i];
#endif
  }
  return (ulong)ld_i(p, i, t);
}

inline float ld_f(socd_in_t p, int i, int t) {
  switch (t) {
    case 1: return ((__global const float*)p)[i];
    case 10: return vload_half(i, (__global const half*)p);
    case 16: return bf16_to_f(((__global const ushort*)p)[i]);
    case 13: return (float)((__global const ulong*)p)[i];
    case 17: case 18: case 19: case 20: case 23: case 24: return small_to_f(p[i], t);
#if SOCD_FP64
    case 11: return (float)((__global const double*)p)[i];
#endif
  }
  return (float)ld_i(p, i, t);
}

inline void st_i_fl(socd_out_t p, int i, int t, long v, int fl) {
  switch (t) {
    case 21: case 22: case 25: case 26: p[i] = wrap_subint(v, t); break;
    case 17: case 18: case 19: case 20: case 23: case 24: st_small(p, i, t, (float)v, fl); break;
    case 2: case 3: ((__global uchar*)p)[i] = (uchar)v; break;
    case 9: ((__global uchar*)p)[i] = v != 0; break;
    case 4: case 5: ((__global ushort*)p)[i] = (ushort)v; break;
    case 6: case 12: ((__global uint*)p)[i] = (uint)v; break;
    case 7: case 13: ((__global long*)p)[i] = v; break;
    case 1: ((__global float*)p)[i] = (float)v; break;
    case 10: vstore_half_rte((float)v, i, (__global half*)p); break;
    case 16: ((__global ushort*)p)[i] = f_to_bf16((float)v); break;
#if SOCD_FP64
    case 11: ((__global double*)p)[i] = (double)v; break;
#endif
  }
}

inline void st_u_fl(socd_out_t p, int i, int t, ulong v, int fl) {
  switch (t) {
    case 17: case 18: case 19: case 20: case 23: case 24: st_small(p, i, t, (float)v, fl); break;
    case 1: ((__global float*)p)[i] = (float)v; break;
    case 10: vstore_half_rte((float)v, i, (__global half*)p); break;
    case 16: ((__global ushort*)p)[i] = f_to_bf16((float)v); break;
#if SOCD_FP64
    case 11: ((__global double*)p)[i] = (double)v; break;
#endif
    default: st_i_fl(p, i, t, (long)v, fl);
  }
}

inline void st_f_fl(socd_out_t p, int i, int t, float v, int fl) {
  switch (t) {
    case 17: case 18: case 19: case 20: case 23: case 24: st_small(p, i, t, v, fl); break;
    case 21: case 22: case 25: case 26: p[i] = f_to_subint(v, t); break;
    case 1: ((__global float*)p)[i] = v; break;
    case 10: vstore_half_rte(v, i, (__global half*)p); break;
    case 16: ((__global ushort*)p)[i] = f_to_bf16(v); break;
    case 9: ((__global uchar*)p)[i] = v != 0.0f; break;
    case 13: case 2: case 4: case 12: st_u_fl(p, i, t, (ulong)v, fl); break;
#if SOCD_FP64
    case 11: ((__global double*)p)[i] = (double)v; break;
#endif
    default: st_i_fl(p, i, t, (long)v, fl);
  }
}

#if SOCD_FP64
inline double ld_d(socd_in_t p, int i, int t) {
  switch (t) {
    case 11: return ((__global const double*)p)[i];
    case 13: case 2: case 4: case 12: return (double)ld_u(p, i, t);
    case 1: case 10: case 16: case 17: case 18: case 19: case 20: case 23: case 24:
      return (double)ld_f(p, i, t);
  }
  return (double)ld_i(p, i, t);
}
inline void st_d_fl(socd_out_t p, int i, int t, double v, int fl) {
  switch (t) {
    case 11: ((__global double*)p)[i] = v; break;
    case 9: ((__global uchar*)p)[i] = v != 0.0; break;
    case 13: case 2: case 4: case 12: st_u_fl(p, i, t, (ulong)v, fl); break;
    case 21: case 22: case 25: case 26: p[i] = fabs(v) < 9.2e18 ? wrap_subint((long)v, t) : 0; break;
    // float8/float4 round once from float, as the CPU reference does
    case 1: case 10: case 16: case 17: case 18: case 19: case 20: case 23: case 24:
      st_f_fl(p, i, t, (float)v, fl);
      break;
    default: st_i_fl(p, i, t, (long)v, fl);
  }
}
#endif

// The stores with ONNX's default Cast flags (saturate), for every kernel that only computes.
inline void st_i(socd_out_t p, int i, int t, long v) { st_i_fl(p, i, t, v, 1); }
inline void st_u(socd_out_t p, int i, int t, ulong v) { st_u_fl(p, i, t, v, 1); }
inline void st_f(socd_out_t p, int i, int t, float v) { st_f_fl(p, i, t, v, 1); }
#if SOCD_FP64
inline void st_d(socd_out_t p, int i, int t, double v) { st_d_fl(p, i, t, v, 1); }
#endif

// Op codes: keep in step with cl_ops_typed.cc.
inline float tb_f(int op, float x, float y) {
  switch (op) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return x / y;
    case 4: return (isnan(x) || x > y) ? x : y;
    case 5: return (isnan(x) || x < y) ? x : y;
    case 6: return pow(x, y);
    case 9: return x == y;
    case 10: return x < y;
    case 11: return x > y;
    case 12: return x <= y;
    case 13: return x >= y;
    case 17: return x - y * floor(x / y);  // Mod, sign of the divisor
    case 18: return fmod(x, y);            // Mod fmod=1, sign of the dividend
  }
  return x;
}

inline long tb_i(int op, long x, long y) {
  switch (op) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return y == 0 ? 0 : x / y;
    case 4: return x > y ? x : y;
    case 5: return x < y ? x : y;
    case 6: {
      if (y < 0) return x == 1 ? 1 : (x == -1 ? ((y & 1) ? -1 : 1) : 0);
      long r = 1, b = x;
      for (long e = y; e > 0; e >>= 1) {
        if (e & 1) r *= b;
        b *= b;
      }
      return r;
    }
    case 9: return x == y;
    case 10: return x < y;
    case 11: return x > y;
    case 12: return x <= y;
    case 13: return x >= y;
    case 14: return x & y;
    case 15: return x | y;
    case 16: return x ^ y;
    case 17: {  // Mod: the remainder takes the divisor's sign
      if (y == 0) return 0;
      long r = x % y;
      return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
    }
    case 18: return y == 0 ? 0 : x % y;
  }
  return x;
}

inline ulong tb_u(int op, ulong x, ulong y) {
  switch (op) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return y == 0 ? 0 : x / y;
    case 4: return x > y ? x : y;
    case 5: return x < y ? x : y;
    case 6: {
      ulong r = 1, b = x;
      for (ulong e = y; e > 0; e >>= 1) {
        if (e & 1) r *= b;
        b *= b;
      }
      return r;
    }
    case 9: return x == y;
    case 10: return x < y;
    case 11: return x > y;
    case 12: return x <= y;
    case 13: return x >= y;
    case 17: case 18: return y == 0 ? 0 : x % y;
  }
  return x;
}

#if SOCD_FP64
inline double tb_d(int op, double x, double y) {
  switch (op) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return x / y;
    case 4: return (isnan(x) || x > y) ? x : y;
    case 5: return (isnan(x) || x < y) ? x : y;
    case 6: return pow(x, y);
    case 9: return x == y;
    case 10: return x < y;
    case 11: return x > y;
    case 12: return x <= y;
    case 13: return x >= y;
    case 17: return x - y * floor(x / y);
    case 18: return fmod(x, y);
  }
  return x;
}
#endif

// c = a op b with broadcasting (dims/strides as binary_f32); tc: c's dtype (bool for
// comparisons).
__kernel void typed_binary(socd_in_t a, socd_in_t b, socd_out_t c, int n, int op, int ta, int tb,
                           int tc, int cls, int8 dims, int8 sa, int8 sb) {
  int i = get_global_id(0);
  if (i >= n) return;
  int ia = bcast_offset(i, dims, sa), ib = bcast_offset(i, dims, sb);
  switch (cls) {
    case 0: st_f(c, i, tc, tb_f(op, ld_f(a, ia, ta), ld_f(b, ib, tb))); break;
    case 2: st_i(c, i, tc, tb_i(op, ld_i(a, ia, ta), ld_i(b, ib, tb))); break;
    case 3: st_u(c, i, tc, tb_u(op, ld_u(a, ia, ta), ld_u(b, ib, tb))); break;
#if SOCD_FP64
    case 1: st_d(c, i, tc, tb_d(op, ld_d(a, ia, ta), ld_d(b, ib, tb))); break;
#endif
  }
}

#if SOCD_FP64
// unary_op (elementwise.cl) in double, with OpenCL's double built-ins; same op codes.
inline double unary_op_d(int op, double v, double a, double b) {
  switch (op) {
    case 1: return v < 0.0 ? 0.0 : v;
    case 2: return 1.0 / (1.0 + exp(-v));
    case 3: return tanh(v);
    case 4: return erf(v);
    case 5: return exp(v);
    case 6: return log(v);
    case 7: return sqrt(v);
    case 8: return fabs(v);
    case 9: return -v;
    case 10: return 1.0 / v;
    case 11: return floor(v);
    case 12: return ceil(v);
    case 13: return v >= 0.0 ? v : a * v;
    case 14: return v >= 0.0 ? v : a * expm1(v);
    case 15: return v > 0.0 ? b * v : b * a * expm1(v);
    case 16: return fmax(0.0, fmin(1.0, a * v + b));
    case 17: return v > 0.0 ? v + log1p(exp(-v)) : log1p(exp(v));
    case 18: return v / (1.0 + fabs(v));
    case 19: return sin(v);
    case 20: return cos(v);
    case 21: return v * fmax(0.0, fmin(1.0, v / 6.0 + 0.5));
    case 22: return v * a;
    case 23: return v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : 0.0);
    case 24: return 0.5 * v * (1.0 + erf(v * 0.70710678118654752));
    case 25: return 0.5 * v * (1.0 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
    case 26: return v > 0.0 ? v : a * expm1(v / a);
    case 27: return v > a ? v : 0.0;
    case 28: return rint(v);
    case 29: {
      double sp = v > 0.0 ? v + log1p(exp(-v)) : log1p(exp(v));
      return v * tanh(sp);
    }
  }
  return v;
}
#endif

// y = f(x): op 100 Cast (x's class computes, y's dtype stores; fl: Cast's flags, see the top),
// 101 Clip (bounds: fa/fb for the float class, la/lb as long/ulong/double bits for the others),
// 102 Not, otherwise the unary_op codes (float and double classes) or Relu/Abs/Neg/Sign
// (1/8/9/23) exactly for the integer classes.
__kernel void typed_unary(socd_in_t x, socd_out_t y, int n, int op, int ta, int tc, int cls,
                          float fa, float fb, long la, long lb, int fl) {
  int i = get_global_id(0);
  if (i >= n) return;
  if (op == 100 && ta == tc) {
    // A copy (Cast to the same type, data movement) keeps the bits: decoding and re-encoding
    // would not (NaN payloads, float8e8m0's subnormal code 0).
    int es = elem_size(ta);
    for (int k = 0; k < es; ++k) y[i * es + k] = x[i * es + k];
    return;
  }
  if (cls == 0) {
    float v = ld_f(x, i, ta);
    if (op == 101) v = fmin(fmax(v, fa), fb);
    else if (op == 102) v = v == 0.0f;
    else if (op == 23) v = v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f);
    else if (op != 100) v = unary_op(op, v, fa, fb);
    st_f_fl(y, i, tc, v, fl);
  } else if (cls == 2) {
    long v = ld_i(x, i, ta);
    if (op == 101) v = v < la ? la : (v > lb ? lb : v);
    else if (op == 102) v = v == 0;
    else if (op == 1) v = v < 0 ? 0 : v;
    else if (op == 8) v = v < 0 ? -v : v;
    else if (op == 9) v = -v;
    else if (op == 23) v = v > 0 ? 1 : (v < 0 ? -1 : 0);
    st_i_fl(y, i, tc, v, fl);
  } else if (cls == 3) {
    ulong v = ld_u(x, i, ta);
    if (op == 101) v = v < (ulong)la ? (ulong)la : (v > (ulong)lb ? (ulong)lb : v);
    else if (op == 102) v = v == 0;
    else if (op == 23) v = v > 0;
    st_u_fl(y, i, tc, v, fl);
  }
#if SOCD_FP64
  else {
    double v = ld_d(x, i, ta);
    if (op == 101) v = fmin(fmax(v, as_double(la)), as_double(lb));
    else if (op == 102) v = v == 0.0;
    else if (op != 100) v = unary_op_d(op, v, fa, fb);
    st_d_fl(y, i, tc, v, fl);
  }
#endif
}

// out = cond ? x : y2 (element size es bytes), broadcasting.
__kernel void typed_where(socd_in_t cnd, socd_in_t x, socd_in_t y2, socd_out_t out, int n,
                          int es, int8 dims, int8 sc, int8 sx, int8 sy) {
  int i = get_global_id(0);
  if (i >= n) return;
  bool c = cnd[bcast_offset(i, dims, sc)] != 0;
  socd_in_t src = c ? x : y2;
  int j = bcast_offset(i, dims, c ? sx : sy);
  for (int k = 0; k < es; ++k) out[i * es + k] = src[j * es + k];
}
