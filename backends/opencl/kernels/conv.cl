// Convolution, NCDHW, grouped/depthwise, with the fused epilogue act(conv + bias + residual).
// 1-D runs as H = 1 and 2-D as D = 1 in the conv2d_* kernels, where DEPTH is 0 and the depth
// loop folds away (they stay as fast as before 3-D); conv3d_* add the depth loop. One
// work-item computes OB output channels of one output pixel: neighbouring work-items are
// neighbouring pixels (PoCL vectorizes across them) and share the weight reads. flags: bit 0
// bias, bit 1 residual.
#define CONV_KERNEL(NAME, OB, DEPTH)                                                           \
  __kernel void NAME(__global const float* x, __global const float* w,                       \
                     __global const float* bias, __global const float* res, __global float* y, \
                     int C, int H, int W, int K, int OH, int OW, int KH, int KW, int SH, int SW, \
                     int PH, int PW, int DH, int DW, int Cg, int Kg, int flags, int act,       \
                     float aa, float ab, int D_, int OD_, int KD_, int SD, int PD, int DD) {   \
    const int D = DEPTH ? D_ : 1, OD = DEPTH ? OD_ : 1, KD = DEPTH ? KD_ : 1;                 \
    int p = get_global_id(0);                                                                 \
    if (p >= OD * OH * OW) return;                                                            \
    int kb = get_global_id(1);                                                                \
    int n = get_global_id(2);                                                                 \
    int bpg = (Kg + OB - 1) / OB;                                                             \
    int g = kb / bpg;                                                                         \
    int k0 = g * Kg + (kb % bpg) * OB;                                                        \
    int od = DEPTH ? p / (OH * OW) : 0;                                                       \
    int pq = DEPTH ? p - od * OH * OW : p;                                                    \
    int oh = pq / OW, ow = pq % OW;                                                           \
    int id0 = DEPTH ? od * SD - PD : 0;                                                       \
    int ih0 = oh * SH - PH, iw0 = ow * SW - PW;                                               \
    float acc[OB];                                                                            \
    for (int o = 0; o < OB; ++o) acc[o] = 0.0f;                                               \
    __global const float* xg = x + ((size_t)n * C + (size_t)g * Cg) * D * H * W;              \
    const int ksz = KD * KH * KW;                                                             \
    for (int c = 0; c < Cg; ++c) {                                                            \
      __global const float* xc = xg + (size_t)c * D * H * W;                                  \
      __global const float* wc = w + ((size_t)k0 * Cg + c) * ksz;                             \
      for (int kd = 0; kd < KD; ++kd) {                                                       \
        int id = id0 + kd * (DEPTH ? DD : 0);                                                 \
        if (DEPTH && (id < 0 || id >= D)) continue;                                           \
        for (int kh = 0; kh < KH; ++kh) {                                                     \
          int ih = ih0 + kh * DH;                                                             \
          if (ih < 0 || ih >= H) continue;                                                    \
          for (int kw = 0; kw < KW; ++kw) {                                                   \
            int iw = iw0 + kw * DW;                                                           \
            if (iw < 0 || iw >= W) continue;                                                  \
            float xv = xc[(id * H + ih) * W + iw];                                            \
            int t = (kd * KH + kh) * KW + kw;                                                 \
            for (int o = 0; o < OB; ++o) acc[o] += xv * wc[(size_t)o * Cg * ksz + t];         \
          }                                                                                   \
        }                                                                                     \
      }                                                                                       \
    }                                                                                         \
    for (int o = 0; o < OB; ++o) {                                                            \
      int k = k0 + o;                                                                         \
      float v = acc[o];                                                                       \
      if (flags & 1) v += bias[k];                                                            \
      size_t idx = ((size_t)n * K + k) * OD * OH * OW + p;                                    \
      if (flags & 2) v += res[idx];                                                           \
      y[idx] = apply_act(v, act, aa, ab);                                                     \
    }                                                                                         \
  }

CONV_KERNEL(conv2d_ob1_f32, 1, 0)
CONV_KERNEL(conv2d_ob4_f32, 4, 0)
CONV_KERNEL(conv2d_ob8_f32, 8, 0)
CONV_KERNEL(conv3d_ob1_f32, 1, 1)
CONV_KERNEL(conv3d_ob4_f32, 4, 1)
