// Resize of the two innermost dims (N and C scales 1): nearest or bilinear with ONNX's
// coordinate transformations. p0 count, p1 -, p2 H, p3 W, p4 OH, p5 OW, p6/p7 scale h/w
// (float), p8 mode (0 nearest, 1 linear, 2 cubic: p12 coefficient A as float bits, p13
// exclude_outside), p9 coordinate mode (0 half_pixel, 1 asymmetric,
// 2 align_corners, 3 pytorch_half_pixel, 4 tf_half_pixel_for_nn,
// 5 half_pixel_symmetric), p10/p11 nearest mode for
// H/W (0 round_prefer_floor, 1 round_prefer_ceil, 2 floor, 3 ceil).
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

float src_coord(float o, float scale, int in_len, int out_len) {
  switch (PI(9)) {
    case 1: return o / scale;
    // ONNX's resized length is in_len * scale, not the rounded output length (they differ
    // when scales, not sizes, are given: 4 * 0.6 = 2.4 against 2).
    case 2: return out_len > 1 ? o * float(in_len - 1) / (float(in_len) * scale - 1.0) : 0.0;
    case 3: return out_len > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
    case 4: return (o + 0.5) / scale;
    case 5: {  // half_pixel_symmetric: half_pixel re-centred on the real-valued output width
      float adjustment = float(out_len) / (scale * float(in_len));
      return float(in_len) * 0.5 * (1.0 - adjustment) + (o + 0.5) / scale - 0.5;
    }
    default: return (o + 0.5) / scale - 0.5;
  }
}

int nearest(float c, int len, int mode) {
  int i;
  switch (mode) {
    case 1: i = (c - floor(c) == 0.5) ? int(ceil(c)) : int(floor(c + 0.5)); break;
    case 2: i = int(floor(c)); break;
    case 3: i = int(ceil(c)); break;
    default: i = (c - floor(c) == 0.5) ? int(floor(c)) : int(floor(c + 0.5)); break;
  }
  return clamp(i, 0, len - 1);
}

float cubic_w(float x, float A) {
  x = abs(x);
  if (x <= 1.0) return ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((A * x - 5.0 * A) * x + 8.0 * A) * x - 4.0 * A;
  return 0.0;
}

// The 4 cubic taps around coordinate c (ties to the left, as the ONNX reference): clamped
// indices and weights, renormalised over the taps inside the input with exclude_outside.
void cubic_taps(float c, int len, out ivec4 idx, out vec4 w) {
  float f = floor(c);
  float ratio = c == f ? 1.0 : c - f;
  int first = int(c == f ? f : f + 1.0) - 2;
  float sum = 0.0;
  for (int t = 0; t < 4; ++t) {
    int i = first + t;
    float wt = cubic_w(ratio + 1.0 - float(t), PF(12));
    if (PI(13) != 0 && (i < 0 || i >= len)) wt = 0.0;
    sum += wt;
    idx[t] = clamp(i, 0, len - 1);
    w[t] = wt;
  }
  if (PI(13) != 0 && sum != 0.0) w /= sum;
}

void main() {
  uint t = flat_id();
  if (t >= uint(PI(0))) return;
  int H = PI(2), W = PI(3), OH = PI(4), OW = PI(5);
  int o = int(t);
  int ox = o % OW, oy = (o / OW) % OH, nc = o / (OW * OH);
  float cy = src_coord(float(oy), PF(6), H, OH);
  float cx = src_coord(float(ox), PF(7), W, OW);
  int base = nc * H * W;
  if (PI(8) == 0) {
    y[t] = x[base + nearest(cy, H, PI(10)) * W + nearest(cx, W, PI(11))];
    return;
  }
  if (PI(8) == 2) {
    ivec4 iy, ix;
    vec4 wy, wx;
    cubic_taps(cy, H, iy, wy);
    cubic_taps(cx, W, ix, wx);
    float acc = 0.0;
    for (int a = 0; a < 4; ++a) {
      float row = 0.0;
      for (int b = 0; b < 4; ++b) row += wx[b] * x[base + iy[a] * W + ix[b]];
      acc += wy[a] * row;
    }
    y[t] = acc;
    return;
  }
  cy = clamp(cy, 0.0, float(H - 1));
  cx = clamp(cx, 0.0, float(W - 1));
  int y0 = int(floor(cy)), x0 = int(floor(cx));
  int y1 = min(y0 + 1, H - 1), x1 = min(x0 + 1, W - 1);
  float fy = cy - float(y0), fx = cx - float(x0);
  float v00 = x[base + y0 * W + x0], v01 = x[base + y0 * W + x1];
  float v10 = x[base + y1 * W + x0], v11 = x[base + y1 * W + x1];
  y[t] = mix(mix(v00, v01, fx), mix(v10, v11, fx), fy);
}
