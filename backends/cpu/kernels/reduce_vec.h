// Eight-lane float helpers for the reduction and softmax hot loops. GCC's generic vector
// extensions are used instead of plain loops because at -O2 GCC only vectorizes loops whose trip
// count it knows, and never reassociates float sums or if-converts float selects; these types
// compile to one AVX register in the x86-64-v3 clone (SOCD_HOT_LOOP) and to SSE pairs (or NEON)
// elsewhere, so results are identical on every target. Vectors are never passed or returned by
// value (only by reference): a by-value 32-byte vector changes the ABI between those clones.
// Locals are V8 (aligned); memory is only touched through At(p).v.
#pragma once

#include <cstdint>

namespace socd::cpu::reduce_vec {

typedef float V8 __attribute__((vector_size(32)));
typedef int32_t V8i __attribute__((vector_size(32)));
// Unaligned, alias-safe view of eight floats in memory: At(p).v reads or writes them. A packed
// struct, not a typedef with aligned(4): clang drops a typedef's alignment once the type is
// bound to a reference and then emits aligned loads, which fault on data that is not 32-byte
// aligned (the fuzzer found it); a packed struct's alignment belongs to the type itself.
struct __attribute__((packed, may_alias)) V8m {
  V8 v;
};

#define SOCD_VEC_INLINE inline __attribute__((always_inline))

SOCD_VEC_INLINE const V8m& At(const float* p) { return *reinterpret_cast<const V8m*>(p); }
SOCD_VEC_INLINE V8m& At(float* p) { return *reinterpret_cast<V8m*>(p); }

SOCD_VEC_INLINE void MaxInto(V8& a, const V8& b) { a = b > a ? b : a; }
SOCD_VEC_INLINE void MinInto(V8& a, const V8& b) { a = b < a ? b : a; }
// a = max(a, the eight floats at p).
SOCD_VEC_INLINE void MaxIntoFrom(V8& a, const float* p) {
  const V8 b = At(p).v;
  MaxInto(a, b);
}
SOCD_VEC_INLINE void AbsInPlace(V8& a) { a = (V8)((V8i)a & 0x7fffffff); }

SOCD_VEC_INLINE float HSum(const V8& v) {
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}
SOCD_VEC_INLINE float HMax(const V8& v) {
  float m = v[0];
  for (int j = 1; j < 8; ++j) m = v[j] > m ? v[j] : m;
  return m;
}
SOCD_VEC_INLINE float HMin(const V8& v) {
  float m = v[0];
  for (int j = 1; j < 8; ++j) m = v[j] < m ? v[j] : m;
  return m;
}

// x = e^x to about 2 ulp (Cephes' expf polynomial after Cody-Waite reduction by ln 2). Inputs
// below -87.3 give exactly 0 so masked softmax entries vanish; inputs above 88.02 saturate at
// e^88.02 (softmax only feeds values <= 0); NaN stays NaN.
SOCD_VEC_INLINE void ExpInPlace(V8& x) {
  V8 v = x > 88.02f ? V8{} + 88.02f : x;
  v = v < -87.3f ? V8{} - 87.3f : v;
  // Round-to-nearest of v/ln2 with the 1.5*2^23 trick (no rounding instruction needed).
  V8 k = (v * 1.44269504088896341f + 12582912.f) - 12582912.f;
  V8 r = v - k * 0.693359375f;
  r = r + k * 2.12194440e-4f;
  V8 p = r * 1.9875691500E-4f + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  V8 y = p * (r * r) + r + 1.f;
  V8i e = (__builtin_convertvector(k, V8i) + 127) << 23;
  y = y * (V8)e;
  x = x < -87.3f ? V8{} : y;
}

// Scalar twin of ExpInPlace for loop tails, bit-identical to one lane of it.
SOCD_VEC_INLINE float Exp1(float x) {
  V8 v = V8{} + x;
  ExpInPlace(v);
  return v[0];
}

}  // namespace socd::cpu::reduce_vec
