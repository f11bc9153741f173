// 1-D to 3-D convolution as an implicit GEMM: each invocation computes TM (1 or 4) output
// channels x 4 output pixels of one (batch, group), reading the input window directly (no
// im2col buffer). Y = act(conv(X, W) + bias + R). p0 -, p1 C (input channels), p2 H, p3 W,
// p4 Kout (total), p5 OH, p6 OW, p7 kh, p8 kw, p9 sh, p10 sw, p11 pad top, p12 pad left,
// p13 dh, p14 dw, p15 groups, p16 flags (1 bias, 2 residual), p17 act, p18/p19 act alpha/beta;
// with DEPTH (3-D) also p20 D, p21 OD, p22 kd, p23 sd, p24 pad front, p25 dd.
#version 450
#include "common.glsl"
layout(constant_id = 0) const int TM = 4;
layout(local_size_x_id = 1, local_size_y_id = 2) in;
// A specialization constant, not a push constant: the 2-D pipelines fold the depth loop and
// its index math away, so they run exactly as fast as before 3-D existed.
layout(constant_id = 3) const bool DEPTH = false;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { WTYPE w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) readonly buffer R { float res[]; };
#define r_in(o) res[o]
layout(std430, binding = 4) writeonly buffer Y { float y[]; };

void main() {
  int C = PI(1), H = PI(2), W = PI(3), KO = PI(4), OH = PI(5), OW = PI(6);
  int KH = PI(7), KW = PI(8), SH = PI(9), SW = PI(10), PT = PI(11), PL = PI(12);
  int DH = PI(13), DW = PI(14), G = PI(15);
  int D = DEPTH ? PI(20) : 1, OD = DEPTH ? PI(21) : 1, KD = DEPTH ? PI(22) : 1;
  int cg = C / G, kg = KO / G;
  int P = OD * OH * OW;
  int p0 = int(gl_GlobalInvocationID.x) * 4;
  int k0 = int(gl_GlobalInvocationID.y) * TM;
  if (p0 >= P || k0 >= kg) return;
  int z = int(gl_GlobalInvocationID.z);
  int n = z / G, g = z - n * G;
  // Four output pixels per invocation (a vec4 each), TM (1 or 4) output channels: fixed-size
  // vector accumulators keep everything in registers (arrays would spill on llvmpipe).
  ivec4 pp = min(ivec4(p0) + ivec4(0, 1, 2, 3), ivec4(P - 1));
  ivec4 oz = DEPTH ? pp / (OH * OW) : ivec4(0);
  ivec4 pq = DEPTH ? pp - oz * (OH * OW) : pp;
  ivec4 oy = pq / OW;
  ivec4 iz0 = DEPTH ? oz * PI(23) - PI(24) : ivec4(0);
  ivec4 iy0 = oy * SH - PT;
  ivec4 ix0 = (pq - oy * OW) * SW - PL;
  int wstride = cg * KD * KH * KW;
  int kb = g * kg;
  int w0 = (kb + min(k0, kg - 1)) * wstride;
  int w1 = (kb + min(k0 + 1, kg - 1)) * wstride;
  int w2 = (kb + min(k0 + 2, kg - 1)) * wstride;
  int w3 = (kb + min(k0 + 3, kg - 1)) * wstride;
  vec4 acc0 = vec4(0.0), acc1 = vec4(0.0), acc2 = vec4(0.0), acc3 = vec4(0.0);
  int woff = 0;
  for (int c = 0; c < cg; ++c) {
    int xbase = ((n * C) + g * cg + c) * D * H * W;
    for (int kz = 0; kz < KD; ++kz) {
      ivec4 iz = iz0 + kz * (DEPTH ? PI(25) : 0);
      bvec4 planes = DEPTH ? lessThan(uvec4(iz), uvec4(D)) : bvec4(true);
      ivec4 zbase = DEPTH ? xbase + iz * (H * W) : ivec4(xbase);
      for (int ky = 0; ky < KH; ++ky) {
        ivec4 iy = iy0 + ky * DH;
        bvec4 rows = lessThan(uvec4(iy), uvec4(H));
        if (DEPTH)
          rows = bvec4(rows.x && planes.x, rows.y && planes.y, rows.z && planes.z,
                       rows.w && planes.w);
        ivec4 rbase = zbase + iy * W;
        for (int kx = 0; kx < KW; ++kx, ++woff) {
          ivec4 ix = ix0 + kx * DW;
          bvec4 cols = lessThan(uvec4(ix), uvec4(W));
          bvec4 ok = bvec4(rows.x && cols.x, rows.y && cols.y, rows.z && cols.z, rows.w && cols.w);
          ivec4 a = rbase + ix;
          vec4 xv = vec4(ok.x ? x[a.x] : 0.0, ok.y ? x[a.y] : 0.0, ok.z ? x[a.z] : 0.0,
                         ok.w ? x[a.w] : 0.0);
          acc0 += float(w[w0 + woff]) * xv;
          if (TM > 1) {
            acc1 += float(w[w1 + woff]) * xv;
            acc2 += float(w[w2 + woff]) * xv;
            acc3 += float(w[w3 + woff]) * xv;
          }
        }
      }
    }
  }
  int flags = PI(16);
  for (int i = 0; i < TM; ++i) {
    if (k0 + i >= kg) break;
    int k = kb + k0 + i;
    vec4 v = i == 0 ? acc0 : i == 1 ? acc1 : i == 2 ? acc2 : acc3;
    float bv = (flags & 1) != 0 ? bias[k] : 0.0;
    for (int j = 0; j < 4; ++j) {
      int p = p0 + j;
      if (p >= P) break;
      int o = (n * KO + k) * P + p;
      float r = v[j] + bv;
      if ((flags & 2) != 0) r += r_in(o);
      y[o] = socd_act(r, PI(17), PF(18), PF(19));
    }
  }
}
