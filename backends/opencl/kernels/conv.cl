// 2-D convolution (1-D runs as H = 1), grouped/depthwise, NCHW, with the fused epilogue
// act(conv + bias + residual). One work-item computes OB output channels of one output pixel:
// neighbouring work-items are neighbouring pixels (PoCL vectorizes across them) and share the
// weight reads. flags: bit 0 bias, bit 1 residual.
#define CONV2D_KERNEL(NAME, OB)                                                               \
  __kernel void NAME(__global const float* x, __global const float* w,                       \
                     __global const float* bias, __global const float* res, __global float* y, \
                     int C, int H, int W, int K, int OH, int OW, int KH, int KW, int SH, int SW, \
                     int PH, int PW, int DH, int DW, int Cg, int Kg, int flags, int act,       \
                     float aa, float ab) {                                                     \
    int p = get_global_id(0);                                                                 \
    if (p >= OH * OW) return;                                                                 \
    int kb = get_global_id(1);                                                                \
    int n = get_global_id(2);                                                                 \
    int bpg = (Kg + OB - 1) / OB;                                                             \
    int g = kb / bpg;                                                                         \
    int k0 = g * Kg + (kb % bpg) * OB;                                                        \
    int oh = p / OW, ow = p % OW;                                                             \
    int ih0 = oh * SH - PH, iw0 = ow * SW - PW;                                               \
    float acc[OB];                                                                            \
    for (int o = 0; o < OB; ++o) acc[o] = 0.0f;                                               \
    __global const float* xg = x + ((size_t)n * C + (size_t)g * Cg) * H * W;                  \
    const int ksz = KH * KW;                                                                  \
    for (int c = 0; c < Cg; ++c) {                                                            \
      __global const float* xc = xg + (size_t)c * H * W;                                      \
      __global const float* wc = w + ((size_t)k0 * Cg + c) * ksz;                             \
      for (int kh = 0; kh < KH; ++kh) {                                                       \
        int ih = ih0 + kh * DH;                                                               \
        if (ih < 0 || ih >= H) continue;                                                      \
        for (int kw = 0; kw < KW; ++kw) {                                                     \
          int iw = iw0 + kw * DW;                                                             \
          if (iw < 0 || iw >= W) continue;                                                    \
          float xv = xc[ih * W + iw];                                                         \
          int t = kh * KW + kw;                                                               \
          for (int o = 0; o < OB; ++o) acc[o] += xv * wc[(size_t)o * Cg * ksz + t];           \
        }                                                                                     \
      }                                                                                       \
    }                                                                                         \
    for (int o = 0; o < OB; ++o) {                                                            \
      int k = k0 + o;                                                                         \
      float v = acc[o];                                                                       \
      if (flags & 1) v += bias[k];                                                            \
      size_t idx = (((size_t)n * K + k) * OH + oh) * OW + ow;                                 \
      if (flags & 2) v += res[idx];                                                           \
      y[idx] = apply_act(v, act, aa, ab);                                                     \
    }                                                                                         \
  }

CONV2D_KERNEL(conv2d_ob1_f32, 1)
CONV2D_KERNEL(conv2d_ob4_f32, 4)
CONV2D_KERNEL(conv2d_ob8_f32, 8)
