// Elementwise operators. Op codes: keep in step with cl_ops_elementwise.cc.

// The float unary operators, shared by unary_f32 and typed_unary (f16/bf16 storage).
inline float unary_op(int op, float v, float a, float b) {
  float r = v;
  switch (op) {
    case 1: r = v < 0.0f ? 0.0f : v; break;
    case 2: r = 1.0f / (1.0f + exp(-v)); break;
    case 3: r = tanh(v); break;
    case 4: r = erf(v); break;
    case 5: r = exp(v); break;
    case 6: r = log(v); break;
    case 7: r = sqrt(v); break;
    case 8: r = fabs(v); break;
    case 9: r = -v; break;
    case 10: r = 1.0f / v; break;
    case 11: r = floor(v); break;
    case 12: r = ceil(v); break;
    case 13: r = v >= 0.0f ? v : a * v; break;
    case 14: r = v >= 0.0f ? v : a * (exp(v) - 1.0f); break;
    case 15: r = v > 0.0f ? b * v : b * (a * exp(v) - a); break;
    case 16: r = fmax(0.0f, fmin(1.0f, a * v + b)); break;
    case 17: r = v > 20.0f ? v + log1p(exp(-v)) : log1p(exp(v)); break;
    case 18: r = v / (1.0f + fabs(v)); break;
    case 19: r = sin(v); break;
    case 20: r = cos(v); break;
    case 21: r = v * fmax(0.0f, fmin(1.0f, v / 6.0f + 0.5f)); break;
    case 22: r = v * a; break;
    case 23: r = v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); break;
    case 24: r = 0.5f * v * (1.0f + erf(v * 0.70710678118654752f)); break;
    case 25: r = 0.5f * v * (1.0f + tanh(0.7978845608028654f * (v + 0.044715f * v * v * v))); break;
    case 26: r = v > 0.0f ? v : a * (exp(v / a) - 1.0f); break;
    case 27: r = v > a ? v : 0.0f; break;
    case 28: r = rint(v); break;
    case 29: r = v * tanh(v > 20.0f ? v : log1p(exp(v))); break;
  }
  return r;
}

__kernel void unary_f32(__global const float* x, __global float* y, int n, int op, float a,
                        float b) {
  int i = get_global_id(0);
  if (i >= n) return;
  y[i] = unary_op(op, x[i], a, b);
}

inline float binop(int op, float a, float b) {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return pow(a, b);
    case 5: return (isnan(a) || a > b) ? a : b;
    case 6: return (isnan(a) || a < b) ? a : b;
  }
  return a;
}

// mode 0: a and b have y's shape; 1: b is one element; 2: general broadcast (dims/strides).
__kernel void binary_f32(__global const float* a, __global const float* b, __global float* y,
                         int n, int op, int mode, int8 dims, int8 sa, int8 sb) {
  int i = get_global_id(0);
  if (i >= n) return;
  float va, vb;
  if (mode == 0) {
    va = a[i];
    vb = b[i];
  } else if (mode == 1) {
    va = a[i];
    vb = b[0];
  } else {
    va = a[bcast_offset(i, dims, sa)];
    vb = b[bcast_offset(i, dims, sb)];
  }
  y[i] = binop(op, va, vb);
}

// Clip with bounds from attributes (lo/hi) or from one-element tensors (flags bit 0: min
// tensor, bit 1: max tensor).
__kernel void clip_f32(__global const float* x, __global float* y, __global const float* lo_t,
                       __global const float* hi_t, int n, float lo, float hi, int flags) {
  int i = get_global_id(0);
  if (i >= n) return;
  if (flags & 1) lo = lo_t[0];
  if (flags & 2) hi = hi_t[0];
  float v = x[i];
  v = v < lo ? lo : v;
  y[i] = v > hi ? hi : v;
}

// Inference BatchNormalization with the fused activation; `inner` = spatial size.
__kernel void batchnorm_f32(__global const float* x, __global const float* scale,
                            __global const float* bias, __global const float* mean,
                            __global const float* var, __global float* y, int n, int C, int inner,
                            float eps, int act, float aa, float ab) {
  int i = get_global_id(0);
  if (i >= n) return;
  int c = (i / inner) % C;
  float v = (x[i] - mean[c]) / sqrt(var[c] + eps) * scale[c] + bias[c];
  y[i] = apply_act(v, act, aa, ab);
}
