// 2-D convolution as an implicit GEMM: each invocation computes TM output channels x TN output
// pixels of one (batch, group), reading the input window directly (no im2col buffer).
// Y = act(conv(X, W) + bias + R). p0 -, p1 C (input channels), p2 H, p3 W, p4 Kout (total),
// p5 OH, p6 OW, p7 kh, p8 kw, p9 sh, p10 sw, p11 pad top, p12 pad left, p13 dh, p14 dw,
// p15 groups, p16 flags (1 bias, 2 residual), p17 act, p18/p19 act alpha/beta.
#version 450
#include "common.glsl"
layout(constant_id = 0) const int TM = 4;
layout(constant_id = 1) const int TN = 4;
layout(local_size_x_id = 2, local_size_y_id = 3) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { WTYPE w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) readonly buffer R { float r[]; };
layout(std430, binding = 4) writeonly buffer Y { float y[]; };

void main() {
  int C = PI(1), H = PI(2), W = PI(3), KO = PI(4), OH = PI(5), OW = PI(6);
  int KH = PI(7), KW = PI(8), SH = PI(9), SW = PI(10), PT = PI(11), PL = PI(12);
  int DH = PI(13), DW = PI(14), G = PI(15);
  int cg = C / G, kg = KO / G;
  int P = OH * OW;
  int p0 = int(gl_GlobalInvocationID.x) * TN;
  int k0 = int(gl_GlobalInvocationID.y) * TM;
  if (p0 >= P || k0 >= kg) return;
  int z = int(gl_GlobalInvocationID.z);
  int n = z / G, g = z - n * G;
  int iy0[TN];
  int ix0[TN];
  for (int j = 0; j < TN; ++j) {
    int p = min(p0 + j, P - 1);
    int oy = p / OW, ox = p - oy * OW;
    iy0[j] = oy * SH - PT;
    ix0[j] = ox * SW - PL;
  }
  int kk[TM];
  for (int i = 0; i < TM; ++i) kk[i] = g * kg + min(k0 + i, kg - 1);
  float acc[TM][TN];
  for (int i = 0; i < TM; ++i)
    for (int j = 0; j < TN; ++j) acc[i][j] = 0.0;
  int wstride = cg * KH * KW;
  for (int c = 0; c < cg; ++c) {
    int xbase = ((n * C) + g * cg + c) * H * W;
    for (int ky = 0; ky < KH; ++ky) {
      for (int kx = 0; kx < KW; ++kx) {
        float xv[TN];
        for (int j = 0; j < TN; ++j) {
          int iy = iy0[j] + ky * DH, ix = ix0[j] + kx * DW;
          bool inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
          xv[j] = inside ? x[xbase + iy * W + ix] : 0.0;
        }
        int woff = (c * KH + ky) * KW + kx;
        for (int i = 0; i < TM; ++i) {
          float wv = float(w[kk[i] * wstride + woff]);
          for (int j = 0; j < TN; ++j) acc[i][j] = fma(wv, xv[j], acc[i][j]);
        }
      }
    }
  }
  int flags = PI(16);
  for (int i = 0; i < TM; ++i) {
    if (k0 + i >= kg) break;
    int k = g * kg + k0 + i;
    float bv = (flags & 1) != 0 ? bias[k] : 0.0;
    for (int j = 0; j < TN; ++j) {
      int p = p0 + j;
      if (p >= P) break;
      int o = (n * KO + k) * P + p;
      float v = acc[i][j] + bv;
      if ((flags & 2) != 0) v += r[o];
      y[o] = socd_act(v, PI(17), PF(18), PF(19));
    }
  }
}
