// Y = f(X) elementwise; the operator is a specialization constant so each op compiles to its
// own straight-line pipeline. p0: count, p1/p2: alpha/beta (float bits).
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const int OP = 0;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

float apply(float v, float a, float b) {
  switch (OP) {
    case 0: return v;                                  // Identity / copy
    case 1: return max(v, 0.0);                        // Relu
    case 2: return socd_sigmoid(v);                    // Sigmoid
    case 3: return tanh(clamp(v, -15.0, 15.0));        // Tanh
    case 4: return exp(v);                             // Exp
    case 5: return log(v);                             // Log
    case 6: return sqrt(v);                            // Sqrt
    case 7: return -v;                                 // Neg
    case 8: return abs(v);                             // Abs
    case 9: return 1.0 / v;                            // Reciprocal
    case 10: return floor(v);                          // Floor
    case 11: return ceil(v);                           // Ceil
    case 12: return socd_erf(v);                       // Erf
    case 13: return min(max(v, a), b);                 // Clip
    case 14: return v >= 0.0 ? v : a * v;              // LeakyRelu
    case 15: return v > 0.0 ? v : a * (exp(v) - 1.0);  // Elu
    case 16: return b * (v > 0.0 ? v : a * (exp(v) - 1.0));  // Selu (a: alpha, b: gamma)
    case 17: return clamp(a * v + b, 0.0, 1.0);        // HardSigmoid
    case 18: return v * clamp(v / 6.0 + 0.5, 0.0, 1.0);  // HardSwish
    case 19: return v > 20.0 ? v : log(1.0 + exp(v));  // Softplus
    case 20: return v / (1.0 + abs(v));                // Softsign
    case 21: return sin(v);
    case 22: return cos(v);
    case 23: return sign(v);
    case 24: return v * a;                             // Scale (Mean's 1/n)
    case 25: return v * socd_sigmoid(v);               // SiLU
    case 26: return 0.5 * v * (1.0 + socd_erf(v * 0.70710678118654752));  // Gelu
    case 27: return v > a ? v : 0.0;                   // ThresholdedRelu
    case 28: return roundEven(v);                      // Round
    case 29: return v * tanh(clamp(v > 20.0 ? v : log(1.0 + exp(v)), -15.0, 15.0));  // Mish
    case 30: return (v > a || v < -a) ? v : 0.0;       // Shrink (hard, bias 0) unused
    case 31: return v > 0.0 ? v : a * (exp(v / a) - 1.0);  // Celu
    default: return v;
  }
}

void main() {
  uint i = flat_id();
  if (i >= uint(PI(0))) return;
  y[i] = apply(x[i], PF(1), PF(2));
}
