// Typed elementwise kernels: tensors of any ONNX numeric dtype passed as bytes, decoded by the
// dtype codes (ONNX numbers: 1 f32, 2 u8, 3 i8, 4 u16, 5 i16, 6 i32, 7 i64, 9 bool, 10 f16,
// 11 f64, 12 u32, 13 u64, 16 bf16) given as kernel arguments, so one program still serves every
// model. Math runs in a compute class (cls): 0 float (f16/bf16/f32 storage), 1 double, 2 long
// (signed ints, bool), 3 ulong (unsigned ints); narrower integer results wrap when stored, as
// ONNX integer arithmetic does. float16 uses vload_half/vstore_half_rte, which OpenCL 1.2
// has without cl_khr_fp16. float64 needs cl_khr_fp64 (the host refuses it otherwise).
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define SOCD_FP64 1
#else
#define SOCD_FP64 0
#endif

typedef __global const uchar* socd_in_t;
typedef __global uchar* socd_out_t;

inline float bf16_to_f(ushort h) { return as_float(((uint)h) << 16); }
inline ushort f_to_bf16(float f) {
  uint u = as_uint(f);
  if (isnan(f)) return (ushort)0x7fc0;
  return (ushort)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

inline long ld_i(socd_in_t p, int i, int t) {
  switch (t) {
    case 2: return ((__global const uchar*)p)[i];
    case 3: return ((__global const char*)p)[i];
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
#if SOCD_FP64
    case 11: return (float)((__global const double*)p)[i];
#endif
  }
  return (float)ld_i(p, i, t);
}

inline void st_i(socd_out_t p, int i, int t, long v) {
  switch (t) {
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

inline void st_u(socd_out_t p, int i, int t, ulong v) {
  switch (t) {
    case 1: ((__global float*)p)[i] = (float)v; break;
    case 10: vstore_half_rte((float)v, i, (__global half*)p); break;
    case 16: ((__global ushort*)p)[i] = f_to_bf16((float)v); break;
#if SOCD_FP64
    case 11: ((__global double*)p)[i] = (double)v; break;
#endif
    default: st_i(p, i, t, (long)v);
  }
}

inline void st_f(socd_out_t p, int i, int t, float v) {
  switch (t) {
    case 1: ((__global float*)p)[i] = v; break;
    case 10: vstore_half_rte(v, i, (__global half*)p); break;
    case 16: ((__global ushort*)p)[i] = f_to_bf16(v); break;
    case 9: ((__global uchar*)p)[i] = v != 0.0f; break;
    case 13: case 2: case 4: case 12: st_u(p, i, t, (ulong)v); break;
#if SOCD_FP64
    case 11: ((__global double*)p)[i] = (double)v; break;
#endif
    default: st_i(p, i, t, (long)v);
  }
}

#if SOCD_FP64
inline double ld_d(socd_in_t p, int i, int t) {
  switch (t) {
    case 11: return ((__global const double*)p)[i];
    case 13: case 2: case 4: case 12: return (double)ld_u(p, i, t);
    case 1: case 10: case 16: return (double)ld_f(p, i, t);
  }
  return (double)ld_i(p, i, t);
}
inline void st_d(socd_out_t p, int i, int t, double v) {
  switch (t) {
    case 11: ((__global double*)p)[i] = v; break;
    case 9: ((__global uchar*)p)[i] = v != 0.0; break;
    case 13: case 2: case 4: case 12: st_u(p, i, t, (ulong)v); break;
    case 1: case 10: case 16: st_f(p, i, t, (float)v); break;
    default: st_i(p, i, t, (long)v);
  }
}
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

// y = f(x): op 100 Cast (x's class computes, y's dtype stores), 101 Clip (bounds: fa/fb for
// the float class, la/lb as long/ulong/double bits for the others), 102 Not, otherwise the
// unary_op codes (float class) or Relu/Abs/Neg/Sign (1/8/9/23) exactly for the others.
__kernel void typed_unary(socd_in_t x, socd_out_t y, int n, int op, int ta, int tc, int cls,
                          float fa, float fb, long la, long lb) {
  int i = get_global_id(0);
  if (i >= n) return;
  if (cls == 0) {
    float v = ld_f(x, i, ta);
    if (op == 101) v = fmin(fmax(v, fa), fb);
    else if (op == 102) v = v == 0.0f;
    else if (op == 23) v = v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f);
    else if (op != 100) v = unary_op(op, v, fa, fb);
    st_f(y, i, tc, v);
  } else if (cls == 2) {
    long v = ld_i(x, i, ta);
    if (op == 101) v = v < la ? la : (v > lb ? lb : v);
    else if (op == 102) v = v == 0;
    else if (op == 1) v = v < 0 ? 0 : v;
    else if (op == 8) v = v < 0 ? -v : v;
    else if (op == 9) v = -v;
    else if (op == 23) v = v > 0 ? 1 : (v < 0 ? -1 : 0);
    st_i(y, i, tc, v);
  } else if (cls == 3) {
    ulong v = ld_u(x, i, ta);
    if (op == 101) v = v < (ulong)la ? (ulong)la : (v > (ulong)lb ? (ulong)lb : v);
    else if (op == 102) v = v == 0;
    else if (op == 23) v = v > 0;
    st_u(y, i, tc, v);
  }
#if SOCD_FP64
  else {
    double v = ld_d(x, i, ta);
    if (op == 101) v = fmin(fmax(v, as_double(la)), as_double(lb));
    else if (op == 102) v = v == 0.0;
    else if (op == 1) v = v < 0.0 ? 0.0 : v;
    else if (op == 8) v = fabs(v);
    else if (op == 9) v = -v;
    else if (op == 23) v = v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : 0.0);
    st_d(y, i, tc, v);
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
