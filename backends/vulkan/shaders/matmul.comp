// C = act(alpha * A.B + beta * bias + R), batched (two batch levels, stride 0 = broadcast).
// Each invocation computes a TM x 4 register tile (TM a specialization constant), which suits
// both GPUs and lavapipe (no shared memory, no barriers: llvmpipe runs barriers as coroutine
// switches). p0 M, p1 N, p2 K, p3 inner batch count, p4/p5 A inner/outer batch stride,
// p6 A m-stride, p7 A k-stride, p8/p9 B inner/outer batch stride, p10 B k-stride, p11 B n-stride,
// p12/p13 bias m/n strides, p14 flags (1 bias, 2 residual), p15 alpha, p16 beta, p17 act,
// p18/p19 act alpha/beta, p20 first column of C (n_base), p21 row stride of C and R (ldc),
// p22 first k of A (k_base): a weight larger than maxStorageBufferRange is bound in chunks of
// columns (n) or rows (k) by several dispatches.
#version 450
#include "common.glsl"
layout(constant_id = 0) const int TM = 4;
layout(local_size_x_id = 1, local_size_y_id = 2) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { WTYPE b[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) readonly buffer R { float r[]; };
layout(std430, binding = 4) writeonly buffer C { float c[]; };

void main() {
  int M = PI(0), N = PI(1), K = PI(2);
  int n0 = int(gl_GlobalInvocationID.x) * 4;
  int m0 = int(gl_GlobalInvocationID.y) * TM;
  if (m0 >= M || n0 >= N) return;
  int z = int(gl_GlobalInvocationID.z);
  int z1 = z / PI(3), z2 = z - z1 * PI(3);
  int abase = z2 * PI(4) + z1 * PI(5);
  int bbase = z2 * PI(8) + z1 * PI(9);
  int sam = PI(6), sak = PI(7), sbk = PI(10), sbn = PI(11);
  // TM (1 or 4) rows x 4 columns per invocation in vec4 accumulators (registers, not arrays).
  ivec4 nn = bbase + min(ivec4(n0) + ivec4(0, 1, 2, 3), ivec4(N - 1)) * sbn;
  int a0 = abase + min(m0, M - 1) * sam + PI(22) * sak;
  int a1 = abase + min(m0 + 1, M - 1) * sam + PI(22) * sak;
  int a2 = abase + min(m0 + 2, M - 1) * sam + PI(22) * sak;
  int a3 = abase + min(m0 + 3, M - 1) * sam + PI(22) * sak;
  vec4 acc0 = vec4(0.0), acc1 = vec4(0.0), acc2 = vec4(0.0), acc3 = vec4(0.0);
  for (int k = 0; k < K; ++k) {
    ivec4 bi = nn + k * sbk;
    vec4 bv = vec4(float(b[bi.x]), float(b[bi.y]), float(b[bi.z]), float(b[bi.w]));
    int ko = k * sak;
    acc0 += a[a0 + ko] * bv;
    if (TM > 1) {
      acc1 += a[a1 + ko] * bv;
      acc2 += a[a2 + ko] * bv;
      acc3 += a[a3 + ko] * bv;
    }
  }
  int flags = PI(14);
  float alpha = PF(15), beta = PF(16);
  for (int i = 0; i < TM; ++i) {
    int m = m0 + i;
    if (m >= M) break;
    vec4 acc = i == 0 ? acc0 : i == 1 ? acc1 : i == 2 ? acc2 : acc3;
    for (int j = 0; j < 4; ++j) {
      int n = n0 + j;
      if (n >= N) break;
      float v = alpha * acc[j];
      int nc = PI(20) + n;
      if ((flags & 1) != 0) v += beta * bias[m * PI(12) + nc * PI(13)];
      int o = (z * M + m) * PI(21) + nc;
      if ((flags & 2) != 0) v += r[o];
      c[o] = socd_act(v, PI(17), PF(18), PF(19));
    }
  }
}
