// Reduce* on tensors that are not float32 (reduce.cl stays the float32 fast path): any dtype
// typed.cl decodes (this file sorts after it, so its loaders are defined), computed in the
// dtype's class: float (f16/bf16), double (f64, honestly in double: native exp/log of
// cl_khr_fp64), long (signed ints, bool) or ulong (unsigned ints), as the CPU backend's reduce
// policies do: integer sums wrap in 64 bits and again when stored, Mean truncates, L2 is the
// truncated sqrt; Max/Min start from the element type's own bounds so an empty set gives them.
// Op codes: gpu_typed ReduceCode; the host refuses LogSum/LogSumExp on integers (the ONNX
// reference rejects them) and anything but Max/Min on bool.

inline long lowest_l(int t) {
  switch (t) {
    case 3: return -128;
    case 5: return -32768;
    case 6: return -2147483647 - 1;
    case 7: return LONG_MIN;
  }
  return 0;  // bool
}

inline long highest_l(int t) {
  switch (t) {
    case 3: return 127;
    case 5: return 32767;
    case 6: return 2147483647;
    case 7: return LONG_MAX;
  }
  return 1;  // bool
}

inline ulong highest_ul(int t) {
  switch (t) {
    case 2: return 0xff;
    case 4: return 0xffff;
    case 12: return 0xffffffffu;
  }
  return ULONG_MAX;
}

// floor(sqrt(a)) as the CPU's (T)std::sqrt((double)a): in double where the device has it,
// else a float estimate corrected to the exact integer root.
inline ulong isqrt_ul(ulong a) {
#if SOCD_FP64
  return (ulong)sqrt((double)a);
#else
  ulong r = (ulong)sqrt((float)a);
  while (r > 0 && r * r > a) --r;
  while ((r + 1) * (r + 1) <= a && (r + 1) < 0x100000000ul) ++r;
  return r;
#endif
}

// The float and double classes share one body: T the accumulator type, LD its loader.
// LogSumExp is max + log(sum(exp(x - max))), stable for large inputs.
#define SOCD_REDUCE_REAL(NAME, T, LD)                                                     \
  inline T NAME(socd_in_t x, int ta, int op, int base, int8 rd, int8 rs, int count) {     \
    T acc = (T)0;                                                                         \
    if (op == 2 || op == 8) acc = (T)(-INFINITY);                                         \
    else if (op == 3) acc = (T)INFINITY;                                                  \
    else if (op == 4) acc = (T)1;                                                         \
    for (int r = 0; r < count; ++r) {                                                     \
      T v = LD(x, base + bcast_offset(r, rd, rs), ta);                                    \
      switch (op) {                                                                       \
        case 2: case 8: acc = (isnan(v) || v > acc) ? v : acc; break;                     \
        case 3: acc = (isnan(v) || v < acc) ? v : acc; break;                             \
        case 4: acc *= v; break;                                                          \
        case 5: acc += fabs(v); break;                                                    \
        case 6: case 9: acc += v * v; break;                                              \
        default: acc += v; break;                                                         \
      }                                                                                   \
    }                                                                                     \
    if (op == 8 && count > 0 && !isinf(acc)) {                                            \
      T s = (T)0;                                                                         \
      for (int r = 0; r < count; ++r) s += exp(LD(x, base + bcast_offset(r, rd, rs), ta) - acc); \
      acc += log(s);                                                                      \
    }                                                                                     \
    if (op == 1) acc /= (T)count;                                                         \
    if (op == 6) acc = sqrt(acc);                                                         \
    if (op == 7) acc = log(acc);                                                          \
    return acc;                                                                           \
  }

SOCD_REDUCE_REAL(reduce_float, float, ld_f)
#if SOCD_FP64
SOCD_REDUCE_REAL(reduce_double, double, ld_d)
#endif

inline long reduce_long(socd_in_t x, int ta, int op, int base, int8 rd, int8 rs, int count) {
  long acc = 0;
  if (op == 2) acc = lowest_l(ta);
  else if (op == 3) acc = highest_l(ta);
  else if (op == 4) acc = 1;
  for (int r = 0; r < count; ++r) {
    long v = ld_i(x, base + bcast_offset(r, rd, rs), ta);
    switch (op) {
      case 2: acc = v > acc ? v : acc; break;
      case 3: acc = v < acc ? v : acc; break;
      // Wrapping products and sums in two's complement, computed as ulong (signed overflow
      // is undefined in C).
      case 4: acc = (long)((ulong)acc * (ulong)v); break;
      case 5: acc = (long)((ulong)acc + (ulong)(v < 0 ? -v : v)); break;
      case 6: case 9: acc = (long)((ulong)acc + (ulong)v * (ulong)v); break;
      default: acc = (long)((ulong)acc + (ulong)v); break;
    }
  }
  if (op == 1) acc = count == 0 ? 0 : acc / count;
  if (op == 6) acc = acc < 0 ? 0 : (long)isqrt_ul((ulong)acc);
  return acc;
}

inline ulong reduce_ulong(socd_in_t x, int ta, int op, int base, int8 rd, int8 rs, int count) {
  ulong acc = 0;
  if (op == 3) acc = highest_ul(ta);  // Max starts from 0
  else if (op == 4) acc = 1;
  for (int r = 0; r < count; ++r) {
    ulong v = ld_u(x, base + bcast_offset(r, rd, rs), ta);
    switch (op) {
      case 2: acc = v > acc ? v : acc; break;
      case 3: acc = v < acc ? v : acc; break;
      case 4: acc *= v; break;
      case 6: case 9: acc += v * v; break;
      default: acc += v; break;  // Sum, Mean, L1
    }
  }
  if (op == 1) acc = count == 0 ? 0 : acc / (ulong)count;
  if (op == 6) acc = isqrt_ul(acc);
  return acc;
}

// One work-item per output element; kd/ks, rd/rs: kept and reduced dims with input strides
// (8 right-aligned slots each, as reduce_f32).
__kernel void typed_reduce(socd_in_t x, socd_out_t y, int n, int op, int ta, int tc, int cls,
                           int8 kd, int8 ks, int8 rd, int8 rs, int count) {
  int i = get_global_id(0);
  if (i >= n) return;
  int base = bcast_offset(i, kd, ks);
  switch (cls) {
    case 0: st_f(y, i, tc, reduce_float(x, ta, op, base, rd, rs, count)); break;
    case 2: st_i(y, i, tc, reduce_long(x, ta, op, base, rd, rs, count)); break;
    case 3: st_u(y, i, tc, reduce_ulong(x, ta, op, base, rd, rs, count)); break;
#if SOCD_FP64
    case 1: st_d(y, i, tc, reduce_double(x, ta, op, base, rd, rs, count)); break;
#endif
  }
}
