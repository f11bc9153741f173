// Shared by every kernel file (the build concatenates common.cl first). OpenCL C 1.2.
// Activation codes: keep in step with cl_ops.h (ClAct).
#define ACT_NONE 0
#define ACT_RELU 1
#define ACT_CLIP 2
#define ACT_SIGMOID 3
#define ACT_SILU 4
#define ACT_LEAKY 5
#define ACT_HSIGMOID 6
#define ACT_HSWISH 7
#define ACT_GELU 8
#define ACT_TANH 9

// The fused epilogue of Conv, MatMul/Gemm and BatchNormalization (graph/passes/fusion.h).
inline float apply_act(float x, int act, float a, float b) {
  switch (act) {
    case ACT_RELU: return x < 0.0f ? 0.0f : x;
    case ACT_CLIP: return fmin(fmax(x, a), b);
    case ACT_SIGMOID: return 1.0f / (1.0f + exp(-x));
    case ACT_SILU: return x / (1.0f + exp(-x));
    case ACT_LEAKY: return x >= 0.0f ? x : a * x;
    case ACT_HSIGMOID: return fmax(0.0f, fmin(1.0f, a * x + b));
    case ACT_HSWISH: return x * fmax(0.0f, fmin(1.0f, x / 6.0f + 0.5f));
    case ACT_GELU: return 0.5f * x * (1.0f + erf(x * 0.70710678118654752f));
    case ACT_TANH: return tanh(x);
  }
  return x;
}

// Broadcast addressing: an output index decomposed over up to 8 right-aligned dims; each
// operand has its own strides (0 along broadcast dims).
inline int bcast_offset(int i, int8 d, int8 s) {
  int o = 0, c;
  c = i % d.s7; i /= d.s7; o += c * s.s7;
  c = i % d.s6; i /= d.s6; o += c * s.s6;
  c = i % d.s5; i /= d.s5; o += c * s.s5;
  c = i % d.s4; i /= d.s4; o += c * s.s4;
  c = i % d.s3; i /= d.s3; o += c * s.s3;
  c = i % d.s2; i /= d.s2; o += c * s.s2;
  c = i % d.s1; i /= d.s1; o += c * s.s1;
  return o + i * s.s0;
}
