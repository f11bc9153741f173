// LayerNormalization over the trailing `len` elements of each row, one row per invocation
// (two-pass mean/variance for accuracy). p0 rows, p1 len, p2 epsilon, p3 flags (1 bias,
// 2 Mean output, 4 InvStdDev output), p4 scale stride (0: scalar), p5 bias stride.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer S { float scale[]; };
layout(std430, binding = 2) readonly buffer B { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(std430, binding = 4) writeonly buffer M { float mean_out[]; };
layout(std430, binding = 5) writeonly buffer I { float istd_out[]; };

void main() {
  uint r = flat_id();
  if (r >= uint(PI(0))) return;
  int L = PI(1);
  int base = int(r) * L;
  float mean = 0.0;
  for (int j = 0; j < L; ++j) mean += x[base + j];
  mean /= float(L);
  float var = 0.0;
  for (int j = 0; j < L; ++j) {
    float d = x[base + j] - mean;
    var += d * d;
  }
  var /= float(L);
  float inv = 1.0 / sqrt(var + PF(2));
  bool has_bias = (PI(3) & 1) != 0;
  for (int j = 0; j < L; ++j) {
    float v = (x[base + j] - mean) * inv * scale[j * PI(4)];
    if (has_bias) v += bias[j * PI(5)];
    y[base + j] = v;
  }
  if ((PI(3) & 2) != 0) mean_out[r] = mean;
  if ((PI(3) & 4) != 0) istd_out[r] = inv;
}
