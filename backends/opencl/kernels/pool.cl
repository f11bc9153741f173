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

// MaxPool on any ONNX MaxPool element type (computed in float, which holds them exactly) with
// the optional int64 Indices: the flat index in x of each window's first maximum, row-major,
// or column-major within the (D, H, W) plane when flags bit 1 (storage_order 1) is set; flags
// bit 0: write `ind`. A window wholly in the padding gives 0 and the plane's first index, as
// the CPU kernel does. LOAD(p, i) reads element i as float, STORE(p, i, v) writes it back.
#define MAXPOOL_KERNEL(NAME, T, LOAD, STORE)                                                  \
  __kernel void NAME(__global const T* x, __global T* y, __global long* ind, int total, int H,  \
                     int W, int OH, int OW, int KH, int KW, int SH, int SW, int PT, int PL,    \
                     int DH, int DW, int D, int OD, int KD, int SD, int PF, int DD, int flags) { \
    int i = get_global_id(0);                                                                  \
    if (i >= total) return;                                                                    \
    int ow = i % OW;                                                                           \
    int t = i / OW;                                                                            \
    int oh = t % OH;                                                                           \
    t /= OH;                                                                                   \
    int od = t % OD;                                                                           \
    int nc = t / OD;                                                                           \
    __global const T* xp = x + (size_t)nc * D * H * W;                                         \
    float best = 0.0f;                                                                         \
    int arg = -1;                                                                              \
    for (int kd = 0; kd < KD; ++kd) {                                                          \
      int id = od * SD - PF + kd * DD;                                                         \
      if (id < 0 || id >= D) continue;                                                         \
      for (int kh = 0; kh < KH; ++kh) {                                                        \
        int ih = oh * SH - PT + kh * DH;                                                       \
        if (ih < 0 || ih >= H) continue;                                                       \
        for (int kw = 0; kw < KW; ++kw) {                                                      \
          int iw = ow * SW - PL + kw * DW;                                                     \
          if (iw < 0 || iw >= W) continue;                                                     \
          int off = (id * H + ih) * W + iw;                                                    \
          float v = LOAD(xp, off);                                                             \
          if (arg < 0 || v > best) {                                                           \
            best = v;                                                                          \
            arg = off;                                                                         \
          }                                                                                    \
        }                                                                                      \
      }                                                                                        \
    }                                                                                          \
    STORE(y, i, best);                                                                         \
    if (flags & 1) {                                                                           \
      int at = max(arg, 0);                                                                    \
      if (arg >= 0 && (flags & 2)) {                                                           \
        int iw = arg % W, ih = (arg / W) % H, id = arg / (W * H);                              \
        at = id + D * (ih + H * iw);                                                           \
      }                                                                                        \
      ind[i] = (long)nc * D * H * W + at;                                                      \
    }                                                                                          \
  }

#define LOAD_PLAIN(p, i) ((float)(p)[i])
#define STORE_F32(p, i, v) ((p)[i] = (v))
#define STORE_U8(p, i, v) ((p)[i] = (uchar)(v))
#define STORE_I8(p, i, v) ((p)[i] = (char)(v))
// float16 through vload_half / vstore_half (core OpenCL C: no cl_khr_fp16 needed); bfloat16
// is the high half of a float.
#define LOAD_F16(p, i) vload_half(i, p)
#define STORE_F16(p, i, v) vstore_half_rte(v, i, p)
#define LOAD_BF16(p, i) as_float((uint)(p)[i] << 16)
#define STORE_BF16(p, i, v) ((p)[i] = (ushort)(as_uint(v) >> 16))

MAXPOOL_KERNEL(maxpool_f32, float, LOAD_PLAIN, STORE_F32)
MAXPOOL_KERNEL(maxpool_u8, uchar, LOAD_PLAIN, STORE_U8)
MAXPOOL_KERNEL(maxpool_i8, char, LOAD_PLAIN, STORE_I8)
MAXPOOL_KERNEL(maxpool_f16, half, LOAD_F16, STORE_F16)
MAXPOOL_KERNEL(maxpool_bf16, ushort, LOAD_BF16, STORE_BF16)
