// Strided copy of 32-bit words over up to 6 iteration dims: Transpose, Expand, Slice, Concat
// (one dispatch per input), Split, Reshape copies. 64-bit types travel as two words (an extra
// innermost dim). p0 count, p1 rank, p2..7 dims, p8..13 source strides, p14..19 destination
// strides, p20 source base, p21 destination base (all in words).
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
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
  y[d] = x[s];
}
