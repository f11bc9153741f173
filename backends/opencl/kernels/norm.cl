// Row-wise normalizations: Softmax/LogSoftmax, LayerNormalization, LRN.

// One work-item per (outer, inner) row of `len` elements `inner` apart. mode 1: LogSoftmax.
__kernel void softmax_f32(__global const float* x, __global float* y, int outer, int len,
                          int inner, int mode) {
  int i = get_global_id(0);
  if (i >= outer * inner) return;
  size_t base = (size_t)(i / inner) * len * inner + (i % inner);
  __global const float* xr = x + base;
  __global float* yr = y + base;
  float mx = -INFINITY;
  for (int k = 0; k < len; ++k) mx = fmax(mx, xr[(size_t)k * inner]);
  float sum = 0.0f;
  for (int k = 0; k < len; ++k) sum += exp(xr[(size_t)k * inner] - mx);
  if (mode == 1) {
    float ls = log(sum);
    for (int k = 0; k < len; ++k) yr[(size_t)k * inner] = xr[(size_t)k * inner] - mx - ls;
  } else {
    float inv = 1.0f / sum;
    for (int k = 0; k < len; ++k) yr[(size_t)k * inner] = exp(xr[(size_t)k * inner] - mx) * inv;
  }
}

// LayerNormalization over the last `len` elements of each row; scale/bias repeat every
// `slen`/`blen` elements (their shape is a suffix of the normalized shape). flags: bit 0
// bias, bit 1 Mean output, bit 2 InvStdDev output.
__kernel void layernorm_f32(__global const float* x, __global const float* scale,
                            __global const float* bias, __global float* y, __global float* mean_out,
                            __global float* istd_out, int rows, int len, int slen, int blen,
                            float eps, int flags) {
  int r = get_global_id(0);
  if (r >= rows) return;
  __global const float* xr = x + (size_t)r * len;
  __global float* yr = y + (size_t)r * len;
  float mean = 0.0f;
  for (int k = 0; k < len; ++k) mean += xr[k];
  mean /= (float)len;
  float var = 0.0f;
  for (int k = 0; k < len; ++k) {
    float d = xr[k] - mean;
    var += d * d;
  }
  var /= (float)len;
  float istd = 1.0f / sqrt(var + eps);
  for (int k = 0; k < len; ++k) {
    float v = (xr[k] - mean) * istd * scale[k % slen];
    if (flags & 1) v += bias[k % blen];
    yr[k] = v;
  }
  if (flags & 2) mean_out[r] = mean;
  if (flags & 4) istd_out[r] = istd;
}

// LRN across channels; `inner` = spatial size.
__kernel void lrn_f32(__global const float* x, __global float* y, int total, int C, int inner,
                      int size, float alpha, float beta, float bias) {
  int i = get_global_id(0);
  if (i >= total) return;
  int c = (i / inner) % C;
  int lo = max(0, c - (size - 1) / 2);
  int hi = min(C - 1, c + size / 2);
  size_t base = i - (size_t)c * inner;
  float sum = 0.0f;
  for (int k = lo; k <= hi; ++k) {
    float v = x[base + (size_t)k * inner];
    sum += v * v;
  }
  y[i] = x[i] / pow(bias + alpha / (float)size * sum, beta);
}

// Training-mode BatchNormalization (ONNX 14/15): work-group c (64 work-items) computes
// channel c's batch mean and population variance over N and the spatial dims, normalizes the
// channel with them and writes the running statistics, running * momentum + batch *
// (1 - momentum). flags: bit 0 running mean out, bit 1 running var out.
float bn_group_sum(__local float* part, float v) {
  int l = get_local_id(0);
  part[l] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = 32; s > 0; s >>= 1) {
    if (l < s) part[l] += part[l + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  float r = part[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return r;
}

__kernel __attribute__((reqd_work_group_size(64, 1, 1))) void batchnorm_train_f32(
    __global const float* x, __global const float* scale, __global const float* bias,
    __global const float* mean_in, __global const float* var_in, __global float* y,
    __global float* mean_out, __global float* var_out, int N, int C, int inner, float eps,
    float momentum, int flags, int act, float aa, float ab) {
  __local float part[64];
  int c = get_group_id(0);
  int l = get_local_id(0);
  int cnt = N * inner;
  float s = 0.0f;
  for (int j = l; j < cnt; j += 64) s += x[((size_t)(j / inner) * C + c) * inner + j % inner];
  float mean = cnt > 0 ? bn_group_sum(part, s) / (float)cnt : 0.0f;
  float s2 = 0.0f;
  for (int j = l; j < cnt; j += 64) {
    float d = x[((size_t)(j / inner) * C + c) * inner + j % inner] - mean;
    s2 += d * d;
  }
  float var = cnt > 0 ? bn_group_sum(part, s2) / (float)cnt : 0.0f;
  float a = scale[c] / sqrt(var + eps);
  float b = bias[c] - mean * a;
  for (int j = l; j < cnt; j += 64) {
    size_t o = ((size_t)(j / inner) * C + c) * inner + j % inner;
    y[o] = apply_act(x[o] * a + b, act, aa, ab);
  }
  if (l == 0) {
    if (flags & 1) mean_out[c] = mean_in[c] * momentum + mean * (1.0f - momentum);
    if (flags & 2) var_out[c] = var_in[c] * momentum + var * (1.0f - momentum);
  }
}
