// Max / average pooling over H x W windows, one output per invocation. p0 count, p1 -, p2 H,
// p3 W, p4 OH, p5 OW, p6 kh, p7 kw, p8 sh, p9 sw, p10 pad top, p11 pad left, p12 dh, p13 dw,
// p14 mode (0 max, 1 average counting pads, 2 average over valid cells, 3 Lp), p15 pad bottom,
// p16 pad right, p17 p (Lp); 3-D windows add a depth: p18 D, p19 OD, p20 kd, p21 sd,
// p22 pad front, p23 dd, p24 pad back (1, 1, 1, 1, 0, 1, 0 for 2-D).
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

void main() {
  uint i = flat_id();
  if (i >= uint(PI(0))) return;
  int D = PI(18), OD = PI(19), KD = PI(20);
  int H = PI(2), W = PI(3), OH = PI(4), OW = PI(5), KH = PI(6), KW = PI(7);
  int o = int(i);
  int ox = o % OW;
  int oy = (o / OW) % OH;
  int oz = (o / (OW * OH)) % OD;
  int nc = o / (OW * OH * OD);
  int zs = oz * PI(21) - PI(22), ys = oy * PI(8) - PI(10), xs = ox * PI(9) - PI(11);
  int mode = PI(14);
  float acc = mode == 0 ? -3.402823466e38 : 0.0;
  int valid = 0;
  int base = nc * D * H * W;
  for (int kz = 0; kz < KD; ++kz) {
    int iz = zs + kz * PI(23);
    if (iz < 0 || iz >= D) continue;
    for (int ky = 0; ky < KH; ++ky) {
      int iy = ys + ky * PI(12);
      if (iy < 0 || iy >= H) continue;
      for (int kx = 0; kx < KW; ++kx) {
        int ix = xs + kx * PI(13);
        if (ix >= 0 && ix < W) {
          float v = x[base + (iz * H + iy) * W + ix];
          if (mode == 0) acc = max(acc, v);
          else if (mode == 3) acc += pow(abs(v), PF(17));
          else acc += v;
          ++valid;
        }
      }
    }
  }
  if (mode == 1) {
    // ONNX count_include_pad: cells inside the padded input count, cells past it (ceil_mode) not.
    int ze = min(zs + (KD - 1) * PI(23) + 1, D + PI(24));
    int ye = min(ys + (KH - 1) * PI(12) + 1, H + PI(15));
    int xe = min(xs + (KW - 1) * PI(13) + 1, W + PI(16));
    int cnt = ((ze - zs + PI(23) - 1) / PI(23)) * ((ye - ys + PI(12) - 1) / PI(12)) *
              ((xe - xs + PI(13) - 1) / PI(13));
    acc /= float(max(cnt, 1));
  } else if (mode == 2) {
    acc /= float(max(valid, 1));
  } else if (mode == 3) {
    acc = pow(acc, 1.0 / PF(17));
  }
  y[i] = acc;
}
