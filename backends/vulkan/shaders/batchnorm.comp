// Inference BatchNormalization (+ fused activation): y = (x - mean[c]) / sqrt(var[c] + eps)
// * scale[c] + bias[c]. p0 count, p1 channels, p2 inner (spatial size), p3 epsilon, p4 act,
// p5/p6 act alpha/beta.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer S { float scale[]; };
layout(std430, binding = 2) readonly buffer B { float bias[]; };
layout(std430, binding = 3) readonly buffer M { float mean[]; };
layout(std430, binding = 4) readonly buffer V { float var[]; };
layout(std430, binding = 5) writeonly buffer Y { float y[]; };

void main() {
  uint i = flat_id();
  if (i >= uint(PI(0))) return;
  int c = (int(i) / PI(2)) % PI(1);
  float v = (x[i] - mean[c]) / sqrt(var[c] + PF(3)) * scale[c] + bias[c];
  y[i] = socd_act(v, PI(4), PF(5), PF(6));
}
