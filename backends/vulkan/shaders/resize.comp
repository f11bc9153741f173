// Resize of the two innermost dims as a separable gather: every mode (nearest, linear, cubic,
// antialiased, tf_crop_and_resize) arrives as per-axis tap tables the host computed with the
// CPU backend's arithmetic (tensor_resize_taps), so this shader only weighs taps.
// p0 count, p1 H, p2 W, p3 OH, p4 OW, p5 taps per row (nh), p6 taps per column (nw),
// p7 extrapolation value (float bits). A tap index of -1 marks a position outside the crop.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) readonly buffer HI { int hidx[]; };
layout(std430, binding = 3) readonly buffer HW { float hw[]; };
layout(std430, binding = 4) readonly buffer WI { int widx[]; };
layout(std430, binding = 5) readonly buffer WW { float ww[]; };

void main() {
  uint t = flat_id();
  if (t >= uint(PI(0))) return;
  int H = PI(1), W = PI(2), OH = PI(3), OW = PI(4), nh = PI(5), nw = PI(6);
  int o = int(t);
  int ox = o % OW, oy = (o / OW) % OH, plane = o / (OW * OH);
  float ev = PF(7);
  // As the ONNX reference: the outer axis (rows) interpolates the inner axis' results, so an
  // extrapolated row is the value itself and an extrapolated column weighs the value per row.
  if (hidx[oy * nh] < 0) {
    y[t] = ev;
    return;
  }
  bool col_out = widx[ox * nw] < 0;
  int base = plane * H * W;
  float acc = 0.0;
  for (int a = 0; a < nh; ++a) {
    int row = base + hidx[oy * nh + a] * W;
    float v = 0.0;
    if (col_out) {
      v = ev;
    } else {
      for (int b = 0; b < nw; ++b) v += ww[ox * nw + b] * x[row + widx[ox * nw + b]];
    }
    acc += hw[oy * nh + a] * v;
  }
  y[t] = acc;
}
