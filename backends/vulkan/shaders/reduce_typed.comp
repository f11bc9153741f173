// Reduce* on tensors that are not float32 (reduce.comp stays the float32 fast path): any
// storable dtype, decoded by typed.glsl, computed in its class (CT): float (f16/bf16), double
// (f64, honestly in double; exp/log from double_math.glsl), int64 (signed ints, bool) or
// uint64 (unsigned ints), as the CPU backend's reduce policies do: integer sums wrap in 64
// bits and wrap again when stored, Mean truncates, L2 is the truncated sqrt; Max/Min start
// from the element type's own bounds so an empty set gives them. Push constants as
// reduce.comp: p0 outputs, p1 kept rank, p2..7 kept dims, p8..13 their input strides, p14
// reduced rank, p15..20 reduced dims, p21..26 their input strides, p27 reduced count. OP:
// gpu_typed ReduceCode; the host refuses LogSum and LogSumExp on integers (the ONNX reference
// rejects them) and anything but Max/Min on bool.
#version 450
#include "common.glsl"
#include "typed.glsl"
#include "double_math.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int OP = 0;
layout(constant_id = 1) const int TA = 1;
layout(constant_id = 2) const int TC = 1;
layout(constant_id = 3) const int CT = 0;
layout(std430, binding = 0) readonly buffer A { uint a[]; };
layout(std430, binding = 1) buffer C { uint c[]; };
SOCD_DEF_LOAD(load_a, a)

// Input element index of reduced position r of the output whose first element is at base.
uint offset_at(uint base, uint r) {
  uint off = base;
  for (int d = PI(14) - 1; d >= 0; --d) {
    uint dim = uint(PI(15 + d));
    uint q = r / dim;
    off += (r - q * dim) * uint(PI(21 + d));
    r = q;
  }
  return off;
}

// The element type's bounds (Max starts from the lowest, Min from the highest).
int64_t lowest_i64(int t) {
  switch (t) {
    case 3: return -128L;
    case 5: return -32768L;
    case 6: return -2147483648L;
    case 7: return int64_t(0x8000000000000000UL);
    default: return 0L;  // bool
  }
}
int64_t highest_i64(int t) {
  switch (t) {
    case 3: return 127L;
    case 5: return 32767L;
    case 6: return 2147483647L;
    case 7: return 0x7fffffffffffffffL;
    default: return 1L;  // bool
  }
}
uint64_t highest_u64(int t) {
  switch (t) {
    case 2: return 0xffUL;
    case 4: return 0xffffUL;
    case 12: return 0xffffffffUL;
    default: return 0xffffffffffffffffUL;
  }
}

uvec2 reduce_float(uint base, uint count) {
  float acc = 0.0;
  if (OP == 2 || OP == 8) acc = -1.0 / 0.0;  // max, and logsumexp's running max
  else if (OP == 3) acc = 1.0 / 0.0;
  else if (OP == 4) acc = 1.0;
  for (uint r = 0u; r < count; ++r) {
    float v = to_f32(load_a(offset_at(base, r), TA), TA);
    switch (OP) {
      case 2: case 8: acc = (isnan(v) || v > acc) ? v : acc; break;
      case 3: acc = (isnan(v) || v < acc) ? v : acc; break;
      case 4: acc *= v; break;
      case 5: acc += abs(v); break;
      case 6: case 9: acc += v * v; break;
      default: acc += v; break;
    }
  }
  if (OP == 8 && count > 0u && !isinf(acc)) {
    float s = 0.0;
    for (uint r = 0u; r < count; ++r)
      s += exp(to_f32(load_a(offset_at(base, r), TA), TA) - acc);
    acc += log(s);
  }
  if (OP == 1) acc /= float(count);
  if (OP == 6) acc = sqrt(acc);
  if (OP == 7) acc = log(acc);
  return from_f32(acc, TC);
}

#if SOCD_NO_F64
// floor(sqrt(a)) without doubles for the integer L2: a float estimate, one Newton step, then
// exact integer fix-ups. The CPU's truncated double sqrt agrees below sums of squares of 2^52.
uint64_t socd_isqrt(uint64_t a) {
  if (a < 2UL) return a;
  uint64_t r = clamp(uint64_t(sqrt(float(a))), 1UL, 0xffffffffUL);
  r = min((r + a / r) >> 1, 0xffffffffUL);
  while (r * r > a) --r;
  while (r < 0xffffffffUL && (r + 1UL) * (r + 1UL) <= a) ++r;
  return r;
}
#define SOCD_SQRT_U64(a) socd_isqrt(a)
#else
#define SOCD_SQRT_U64(a) uint64_t(sqrt(double(a)))
#endif

#if !SOCD_NO_F64
uvec2 reduce_double(uint base, uint count) {
  const double inf = packDouble2x32(uvec2(0u, 0x7ff00000u));
  double acc = 0.0LF;
  if (OP == 2 || OP == 8) acc = -inf;
  else if (OP == 3) acc = inf;
  else if (OP == 4) acc = 1.0LF;
  for (uint r = 0u; r < count; ++r) {
    double v = to_f64(load_a(offset_at(base, r), TA), TA);
    switch (OP) {
      case 2: case 8: acc = (isnan(v) || v > acc) ? v : acc; break;
      case 3: acc = (isnan(v) || v < acc) ? v : acc; break;
      case 4: acc *= v; break;
      case 5: acc += abs(v); break;
      case 6: case 9: acc += v * v; break;
      default: acc += v; break;
    }
  }
  if (OP == 8 && count > 0u && !isinf(acc)) {
    // logsumexp = max + log(sum(exp(x - max))): stable for large inputs. GLSL has no double
    // exp/log: double_math.glsl's are within about an ulp.
    double s = 0.0LF;
    for (uint r = 0u; r < count; ++r)
      s += socd_exp_f64(to_f64(load_a(offset_at(base, r), TA), TA) - acc);
    acc += socd_log_f64(s);
  }
  if (OP == 1) acc /= double(count);
  if (OP == 6) acc = sqrt(acc);
  if (OP == 7) acc = socd_log_f64(acc);
  return from_f64(acc, TC);
}
#endif

uvec2 reduce_int(uint base, uint count) {
  int64_t acc = 0L;
  if (OP == 2) acc = lowest_i64(TA);
  else if (OP == 3) acc = highest_i64(TA);
  else if (OP == 4) acc = 1L;
  for (uint r = 0u; r < count; ++r) {
    int64_t v = to_i64(load_a(offset_at(base, r), TA), TA);
    switch (OP) {
      case 2: acc = v > acc ? v : acc; break;
      case 3: acc = v < acc ? v : acc; break;
      case 4: acc *= v; break;
      // abs(), not v < 0 ? -v : v: lavapipe gave v back for negative int8/int32 elements
      // (sign-extended to int64) with the select form.
      case 5: acc += abs(v); break;
      case 6: case 9: acc += v * v; break;
      default: acc += v; break;
    }
  }
  if (OP == 1) acc = count == 0u ? 0L : acc / int64_t(count);
  if (OP == 6) acc = acc < 0L ? 0L : int64_t(SOCD_SQRT_U64(uint64_t(acc)));
  return from_i64(acc, TC);
}

uvec2 reduce_uint(uint base, uint count) {
  uint64_t acc = 0UL;
  if (OP == 3) acc = highest_u64(TA);  // Max starts from 0
  else if (OP == 4) acc = 1UL;
  for (uint r = 0u; r < count; ++r) {
    uint64_t v = to_u64(load_a(offset_at(base, r), TA), TA);
    switch (OP) {
      case 2: acc = v > acc ? v : acc; break;
      case 3: acc = v < acc ? v : acc; break;
      case 4: acc *= v; break;
      case 6: case 9: acc += v * v; break;
      default: acc += v; break;  // Sum, Mean, L1
    }
  }
  if (OP == 1) acc = count == 0u ? 0UL : acc / uint64_t(count);
  if (OP == 6) acc = SOCD_SQRT_U64(acc);
  return from_u64(acc, TC);
}

uvec2 element(uint i) {
  uint rem = i, base = 0u;
  for (int d = PI(1) - 1; d >= 0; --d) {
    uint dim = uint(PI(2 + d));
    uint q = rem / dim;
    base += (rem - q * dim) * uint(PI(8 + d));
    rem = q;
  }
  uint count = uint(PI(27));
  switch (CT) {
    case 0: return reduce_float(base, count);
#if !SOCD_NO_F64
    case 1: return reduce_double(base, count);
#endif
    case 2: return reduce_int(base, count);
    default: return reduce_uint(base, count);
  }
}

SOCD_TYPED_MAIN
