// Max / average / Lp pooling over 1-D to 3-D windows. p0 count, p1 -, p2 H, p3 W, p4 OH,
// p5 OW, p6 kh, p7 kw, p8 sh, p9 sw, p10 pad top, p11 pad left, p12 dh, p13 dw, p14 mode
// (0 max, 1 average counting pads, 2 average over valid cells, 3 Lp), p15 pad bottom, p16 pad
// right, p17 p (Lp); 3-D windows add a depth: p18 D, p19 OD, p20 kd, p21 sd, p22 pad front,
// p23 dd, p24 pad back (1, 1, 1, 1, 0, 1, 0 below 3-D); p25 storage_order of the Indices.
// X and Y are read as words of element type DT (ONNX numbers: 1 f32, 2 u8, 3 i8, 10 f16,
// 16 bf16; the narrow ones max mode only, computed in float, which holds them exactly). An
// invocation writes one whole word of Y (4 u8/i8, 2 f16/bf16 or 1 f32 outputs): no byte
// stores, no atomics.
// IDX: MaxPool's Indices output, int64 as (low, high) words, the flat index of the first
// maximum in X (row-major, or column-major within a plane when storage_order is 1).
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int DT = 1;
layout(constant_id = 1) const bool IDX = false;
layout(std430, binding = 0) readonly buffer X { uint x[]; };
layout(std430, binding = 1) buffer Y { uint y[]; };
layout(std430, binding = 2) writeonly buffer I { uint idx[]; };

const int PER = DT == 2 || DT == 3 ? 4 : DT == 10 || DT == 16 ? 2 : 1;

float load(int j) {
  if (DT == 2) return float(bitfieldExtract(x[j >> 2], (j & 3) * 8, 8));
  if (DT == 3) return float(bitfieldExtract(int(x[j >> 2]), (j & 3) * 8, 8));
  if (DT == 10) return unpackHalf2x16(x[j >> 1] >> ((j & 1) * 16)).x;
  if (DT == 16) return uintBitsToFloat((x[j >> 1] >> ((j & 1) * 16)) << 16);
  return uintBitsToFloat(x[j]);
}

uint bits(float v) {
  if (DT == 2 || DT == 3) return uint(int(v)) & 0xffu;
  if (DT == 10) return packHalf2x16(vec2(v, 0.0));
  if (DT == 16) return floatBitsToUint(v) >> 16;
  return floatBitsToUint(v);
}

// Output o; `arg` gets the in-plane offset of the maximum (row-major), -1 if none.
float pool_one(int o, out int arg, out int base) {
  int D = PI(18), OD = PI(19), KD = PI(20);
  int H = PI(2), W = PI(3), OH = PI(4), OW = PI(5), KH = PI(6), KW = PI(7);
  int ox = o % OW;
  int oy = (o / OW) % OH;
  int oz = (o / (OW * OH)) % OD;
  int nc = o / (OW * OH * OD);
  int zs = oz * PI(21) - PI(22), ys = oy * PI(8) - PI(10), xs = ox * PI(9) - PI(11);
  int mode = PI(14);
  float acc = mode == 0 ? -3.402823466e38 : 0.0;
  int valid = 0;
  arg = -1;
  base = nc * D * H * W;
  for (int kz = 0; kz < KD; ++kz) {
    int iz = zs + kz * PI(23);
    if (iz < 0 || iz >= D) continue;
    for (int ky = 0; ky < KH; ++ky) {
      int iy = ys + ky * PI(12);
      if (iy < 0 || iy >= H) continue;
      for (int kx = 0; kx < KW; ++kx) {
        int ix = xs + kx * PI(13);
        if (ix >= 0 && ix < W) {
          int off = (iz * H + iy) * W + ix;
          float v = load(base + off);
          if (mode == 0) {
            if (IDX) {
              if (arg < 0 || v > acc) {
                acc = v;
                arg = off;
              }
            } else {
              acc = max(acc, v);
            }
          } else if (mode == 3) {
            acc += pow(abs(v), PF(17));
          } else {
            acc += v;
          }
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
  // A window wholly in the padding has no maximum: 0, as the CPU kernel gives, where the
  // float sentinel would not fit the element type.
  if (DT != 1 && valid == 0) acc = 0.0;
  return acc;
}

void main() {
  int g = int(flat_id());
  int n = PI(0);
  int first = g * PER;
  if (first >= n) return;
  // A last partial word keeps the bytes past the tensor's end (another tensor's, maybe).
  uint word = PER > 1 && first + PER > n ? y[g] : 0u;
  for (int e = 0; e < PER && first + e < n; ++e) {
    int o = first + e, arg, base;
    float v = pool_one(o, arg, base);
    if (PER == 1) word = bits(v);
    else word = bitfieldInsert(word, bits(v), e * (32 / PER), 32 / PER);
    if (IDX) {
      int H = PI(2), W = PI(3), D = PI(18);
      int at = max(arg, 0);
      if (arg >= 0 && PI(25) == 1) {
        // Column-major within the plane: depth varies fastest, then height, then width.
        int ix = arg % W, iy = (arg / W) % H, iz = arg / (W * H);
        at = iz + D * (iy + H * ix);
      }
      idx[2 * o] = uint(base + at);
      idx[2 * o + 1] = 0u;
    }
  }
  y[g] = word;
}
