// The float unary operators (codes: keep in step with vk_ops_elementwise.cc kUnary), shared by
// unary.comp (fp32 tensors) and typed_unary.comp (f16/bf16 storage computed in fp32).
float unary_apply(int op, float v, float a, float b) {
  switch (op) {
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
    case 32:  // Gelu approximate='tanh'
      return 0.5 * v * (1.0 + tanh(clamp(0.7978845608028654 * (v + 0.044715 * v * v * v),
                                         -15.0, 15.0)));
    default: return v;
  }
}
