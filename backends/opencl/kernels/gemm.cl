// MatMul / Gemm: y = act(alpha * A.B + beta * C + R), batched with broadcast over up to 4
// batch dims. Operands are addressed by strides so transposes need no copy. One work-item
// computes 4 neighbouring columns of one row. flags: bit 0 C (bias), bit 1 R (residual).
inline int batch_offset(int bt, int4 d, int4 s) {
  int o = 0, c;
  c = bt % d.s3; bt /= d.s3; o += c * s.s3;
  c = bt % d.s2; bt /= d.s2; o += c * s.s2;
  c = bt % d.s1; bt /= d.s1; o += c * s.s1;
  return o + bt * s.s0;
}

__kernel void matmul_f32(__global const float* a, __global const float* b,
                         __global const float* c, __global const float* r, __global float* y,
                         int M, int N, int K, int sam, int sak, int sbk, int sbn, int scm, int scn,
                         int4 bdims, int4 bsa, int4 bsb, int4 bsc, float alpha, float beta,
                         int flags, int act, float aa, float ab) {
  int n0 = get_global_id(0) * 4;
  int m = get_global_id(1);
  int bt = get_global_id(2);
  if (n0 >= N || m >= M) return;
  __global const float* ap = a + batch_offset(bt, bdims, bsa) + (size_t)m * sam;
  __global const float* bp = b + batch_offset(bt, bdims, bsb) + (size_t)n0 * sbn;
  float acc0 = 0.0f, acc1 = 0.0f, acc2 = 0.0f, acc3 = 0.0f;
  int nn = min(4, N - n0);
  if (nn == 4) {
    for (int k = 0; k < K; ++k) {
      float av = ap[(size_t)k * sak];
      __global const float* bk = bp + (size_t)k * sbk;
      acc0 += av * bk[0];
      acc1 += av * bk[sbn];
      acc2 += av * bk[2 * sbn];
      acc3 += av * bk[3 * sbn];
    }
  } else {
    for (int k = 0; k < K; ++k) {
      float av = ap[(size_t)k * sak];
      __global const float* bk = bp + (size_t)k * sbk;
      acc0 += av * bk[0];
      if (nn > 1) acc1 += av * bk[sbn];
      if (nn > 2) acc2 += av * bk[2 * sbn];
    }
  }
  float acc[4] = {acc0, acc1, acc2, acc3};
  int co = batch_offset(bt, bdims, bsc);
  size_t yo = ((size_t)bt * M + m) * N;
  for (int j = 0; j < nn; ++j) {
    int col = n0 + j;
    float v = alpha * acc[j];
    if (flags & 1) v += beta * c[co + m * scm + col * scn];
    if (flags & 2) v += r[yo + col];
    y[yo + col] = apply_act(v, act, aa, ab);
  }
}
