// Shared by every socd shader: push constants (32 words, read as int or float bits), the flat
// invocation index over a 2-D grid of workgroups, fp16 weight storage, erf and activations.
#if SOCD_FP16
#extension GL_EXT_shader_16bit_storage : require
#endif

layout(push_constant) uniform PushConstants { int p[32]; } pc;
#define PI(i) pc.p[i]
#define PF(i) intBitsToFloat(pc.p[i])

// Weights (constant inputs) are float16_t in the fp16-storage variant; math stays fp32.
#if SOCD_FP16
#define WTYPE float16_t
#else
#define WTYPE float
#endif

// A macro, not a function: gl_WorkGroupSize is only known after the shader's own
// local_size layout, which comes after this include.
#define flat_id() \
  ((gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + \
   gl_LocalInvocationID.x)

// Abramowitz & Stegun 7.1.26 is too coarse (1.5e-7 absolute is fine, but its relative error
// near 0 is not): use the erf series for small |x| and erfc's continued-fraction-free
// approximation (W. J. Cody style rational, max rel err ~1e-7) elsewhere.
float socd_erf(float x) {
  float ax = abs(x);
  if (ax < 0.5) {
    float t = x * x;
    // Taylor series to x^11: error < 1e-9 for |x| < 0.5.
    return x * (1.1283791671 + t * (-0.3761263890 + t * (0.1128379167 + t * (-0.0268661706 +
                t * (0.0052239776 + t * (-0.0008548327))))));
  }
  // Numerical Recipes erfc (Chebyshev fit, fractional error < 1.2e-7).
  float z = ax;
  float t = 1.0 / (1.0 + 0.5 * z);
  float r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
            t * (-0.82215223 + t * 0.17087277)))))))));
  float e = 1.0 - r;
  return x < 0.0 ? -e : e;
}

float socd_sigmoid(float x) {
  return x >= 0.0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

// Fused activations (graph/passes/fusion.h); codes match vk_kernel.cc FusedActivation.
float socd_act(float x, int code, float a, float b) {
  switch (code) {
    case 1: return max(x, 0.0);
    case 2: return min(max(x, a), b);
    case 3: return socd_sigmoid(x);
    case 4: return x * socd_sigmoid(x);
    case 5: return x >= 0.0 ? x : a * x;
    case 6: return clamp(a * x + b, 0.0, 1.0);
    case 7: return x * clamp(x / 6.0 + 0.5, 0.0, 1.0);
    case 8: return 0.5 * x * (1.0 + socd_erf(x * 0.70710678118654752));
    case 9: return tanh(clamp(x, -15.0, 15.0));
    default: return x;
  }
}
