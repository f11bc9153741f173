// Training-mode BatchNormalization (ONNX 14/15): one workgroup per channel c computes the
// batch mean and (population) variance over N and the spatial dims, normalizes the channel
// with them, and writes the running statistics: out = running * momentum + batch *
// (1 - momentum). One dispatch, no scratch buffer. p0 N, p1 C, p2 inner (spatial size),
// p3 epsilon, p4 momentum, p5 flags (1 running mean out, 2 running var out), p6 act,
// p7/p8 act alpha/beta.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer S { float scale[]; };
layout(std430, binding = 2) readonly buffer B { float bias[]; };
layout(std430, binding = 3) readonly buffer M { float mean_in[]; };
layout(std430, binding = 4) readonly buffer V { float var_in[]; };
layout(std430, binding = 5) writeonly buffer Y { float y[]; };
layout(std430, binding = 6) writeonly buffer MO { float mean_out[]; };
layout(std430, binding = 7) writeonly buffer VO { float var_out[]; };

shared float part[64];

// The sum of every invocation's v (all 64 must call it: it has barriers).
float group_sum(float v) {
  uint l = gl_LocalInvocationID.x;
  part[l] = v;
  barrier();
  for (uint s = 32u; s > 0u; s >>= 1) {
    if (l < s) part[l] += part[l + s];
    barrier();
  }
  float r = part[0];
  barrier();
  return r;
}

void main() {
  int N = PI(0), C = PI(1), inner = PI(2);
  int c = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x);
  if (c >= C) return;  // whole workgroups only: the barriers stay uniform
  int l = int(gl_LocalInvocationID.x);
  int cnt = N * inner;
  float s = 0.0;
  for (int j = l; j < cnt; j += 64) s += x[((j / inner) * C + c) * inner + j % inner];
  float mean = cnt > 0 ? group_sum(s) / float(cnt) : 0.0;
  float s2 = 0.0;
  for (int j = l; j < cnt; j += 64) {
    float d = x[((j / inner) * C + c) * inner + j % inner] - mean;
    s2 += d * d;
  }
  float var = cnt > 0 ? group_sum(s2) / float(cnt) : 0.0;
  float a = scale[c] / sqrt(var + PF(3));
  float b = bias[c] - mean * a;
  for (int j = l; j < cnt; j += 64) {
    int o = ((j / inner) * C + c) * inner + j % inner;
    y[o] = socd_act(x[o] * a + b, PI(6), PF(7), PF(8));
  }
  if (l == 0) {
    float m = PF(4);
    if ((PI(5) & 1) != 0) mean_out[c] = mean_in[c] * m + mean * (1.0 - m);
    if ((PI(5) & 2) != 0) var_out[c] = var_in[c] * m + var * (1.0 - m);
  }
}
