// Softmax / LogSoftmax / Hardmax along one axis, one row per invocation. p0 rows
// (outer * inner), p1 axis length, p2 inner (stride of the axis), p3 mode (0 softmax,
// 1 log-softmax, 2 hardmax).
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

void main() {
  uint r = flat_id();
  if (r >= uint(PI(0))) return;
  int L = PI(1), inner = PI(2), mode = PI(3);
  int row = int(r);
  int base = (row / inner) * L * inner + (row % inner);
  float m = -3.402823466e38;
  int arg = 0;
  for (int j = 0; j < L; ++j) {
    float v = x[base + j * inner];
    if (v > m) { m = v; arg = j; }
  }
  if (mode == 2) {
    for (int j = 0; j < L; ++j) y[base + j * inner] = j == arg ? 1.0 : 0.0;
    return;
  }
  float s = 0.0;
  for (int j = 0; j < L; ++j) s += exp(x[base + j * inner] - m);
  if (mode == 1) {
    float ls = log(s);
    for (int j = 0; j < L; ++j) y[base + j * inner] = x[base + j * inner] - m - ls;
  } else {
    float inv = 1.0 / s;
    for (int j = 0; j < L; ++j) y[base + j * inner] = exp(x[base + j * inner] - m) * inv;
  }
}
