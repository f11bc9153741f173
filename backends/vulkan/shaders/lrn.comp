// Local response normalization across channels. p0 count, p1 channels, p2 inner, p3 size,
// p4 alpha, p5 beta, p6 bias.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

void main() {
  uint i = flat_id();
  if (i >= uint(PI(0))) return;
  int C = PI(1), inner = PI(2), size = PI(3);
  int idx = int(i);
  int c = (idx / inner) % C;
  int lo = max(0, c - (size - 1) / 2), hi = min(C - 1, c + size / 2);
  int base = idx - c * inner;
  float s = 0.0;
  for (int cc = lo; cc <= hi; ++cc) {
    float v = x[base + cc * inner];
    s += v * v;
  }
  y[i] = x[i] / pow(PF(6) + PF(4) / float(size) * s, PF(5));
}
