// Pooling, NCHW (1-D runs as H = 1). mode 0: max, 1: average. Average divides by the taps
// inside the input, or with include_pad by those inside the explicitly padded extent (not the
// extra room ceil_mode adds), as the ONNX reference does.
inline int pool_taps(int o, int k, int s, int d, int pb, int pe, int in, int include_pad) {
  int cnt = 0;
  for (int t = 0; t < k; ++t) {
    int pos = o * s - pb + t * d;
    if (include_pad ? (pos >= -pb && pos < in + pe) : (pos >= 0 && pos < in)) ++cnt;
  }
  return cnt;
}

// 1-D to 3-D (D = 1 below 3-D, H = 1 for 1-D). mode 2: LpPool with exponent p.
__kernel void pool2d_f32(__global const float* x, __global float* y, int total, int H, int W,
                         int OH, int OW, int KH, int KW, int SH, int SW, int PT, int PL, int PB,
                         int PR, int DH, int DW, int mode, int include_pad, int D, int OD, int KD,
                         int SD, int PF, int PK, int DD, float p) {
  int i = get_global_id(0);
  if (i >= total) return;
  int ow = i % OW;
  int t = i / OW;
  int oh = t % OH;
  t /= OH;
  int od = t % OD;
  int nc = t / OD;
  __global const float* xp = x + (size_t)nc * D * H * W;
  float acc = mode == 0 ? -INFINITY : 0.0f;
  for (int kd = 0; kd < KD; ++kd) {
    int id = od * SD - PF + kd * DD;
    if (id < 0 || id >= D) continue;
    for (int kh = 0; kh < KH; ++kh) {
      int ih = oh * SH - PT + kh * DH;
      if (ih < 0 || ih >= H) continue;
      for (int kw = 0; kw < KW; ++kw) {
        int iw = ow * SW - PL + kw * DW;
        if (iw < 0 || iw >= W) continue;
        float v = xp[(id * H + ih) * W + iw];
        if (mode == 2) v = pow(fabs(v), p);
        acc = mode == 0 ? (v > acc || isnan(v) ? v : acc) : acc + v;
      }
    }
  }
  if (mode == 2) acc = pow(acc, 1.0f / p);
  if (mode == 1) {
    int cnt = pool_taps(od, KD, SD, DD, PF, PK, D, include_pad) *
              pool_taps(oh, KH, SH, DH, PT, PB, H, include_pad) *
              pool_taps(ow, KW, SW, DW, PL, PR, W, include_pad);
    acc = cnt > 0 ? acc / (float)cnt : 0.0f;
  }
  y[i] = acc;
}

// GlobalAveragePool / GlobalMaxPool: one work-item per (n, c) plane.
__kernel void global_pool_f32(__global const float* x, __global float* y, int planes, int hw,
                              int mode) {
  int i = get_global_id(0);
  if (i >= planes) return;
  __global const float* xp = x + (size_t)i * hw;
  float acc = mode == 0 ? -INFINITY : 0.0f;
  for (int k = 0; k < hw; ++k) acc = mode == 0 ? fmax(acc, xp[k]) : acc + xp[k];
  y[i] = mode == 0 ? acc : acc / (float)hw;
}
