// Strided copy of 32-bit words over up to 6 iteration dims: Transpose, Expand, Slice, Concat
// (one dispatch per input), Split, Reshape copies. 64-bit types travel as two words (an extra
// innermost dim). p0 count, p1 rank, p2..7 dims, p8..13 source strides, p14..19 destination
// strides, p20 source base, p21 destination base (all in words). ESIZE 1 or 2 (spec constant):
// 8/16-bit elements, everything in elements; the source element is extracted from its word
// and written with atomicAnd/atomicOr on the destination word, so invocations writing other
// bytes of the same word cannot lose each other's bytes.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int ESIZE = 4;
layout(std430, binding = 0) readonly buffer X { uint x[]; };
layout(std430, binding = 1) buffer Y { uint y[]; };

void main() {
  uint i = flat_id();
  if (i >= uint(PI(0))) return;
  int rem = int(i);
  int s = PI(20), d = PI(21);
  for (int k = PI(1) - 1; k >= 0; --k) {
    int dim = PI(2 + k);
    int q = rem / dim;
    int idx = rem - q * dim;
    rem = q;
    s += idx * PI(8 + k);
    d += idx * PI(14 + k);
  }
  if (ESIZE == 4) {
    y[d] = x[s];
    return;
  }
  const int per = 4 / ESIZE, bits = ESIZE * 8;
  uint v = bitfieldExtract(x[s / per], (s % per) * bits, bits);
  int shift = (d % per) * bits;
  uint mask = ((1u << bits) - 1u) << shift;
  atomicAnd(y[d / per], ~mask);
  atomicOr(y[d / per], v << shift);
}
