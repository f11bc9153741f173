// Gather along one axis: out[o, j, i] = data[o, idx[j], i] (words per element w: 1 or 2).
// p0 count (output words), p1 number of indices, p2 inner words, p3 axis length,
// p4 indices are int64 (1) or int32 (0).
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer D { uint data[]; };
layout(std430, binding = 1) readonly buffer I { int idx[]; };
layout(std430, binding = 2) writeonly buffer Y { uint y[]; };

void main() {
  uint t = flat_id();
  if (t >= uint(PI(0))) return;
  int NI = PI(1), inner = PI(2), L = PI(3);
  int o = int(t);
  int i = o % inner;
  int j = (o / inner) % NI;
  int outer = o / (inner * NI);
  // int64 indices: the low word carries the value for any index a tensor can have.
  int k = PI(4) != 0 ? idx[2 * j] : idx[j];
  if (k < 0) k += L;
  k = clamp(k, 0, L - 1);
  y[o] = data[(outer * L + k) * inner + i];
}
