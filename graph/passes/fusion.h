// socd-internal attributes and inputs the fusion pass (fusion*.cc) puts on Conv, Gemm, MatMul
// and BatchNormalization nodes, which the CPU kernels implement in their epilogue. They never
// appear in a model file; a model that sets them anyway gets the same meaning.
//
//   _socd_act        string  activation applied last: Relu, Clip, Sigmoid, SiLU (x*sigmoid(x)),
//                            LeakyRelu, HardSigmoid, HardSwish, Gelu (erf form), Tanh
//   _socd_act_alpha  float   Clip: min; LeakyRelu: alpha; HardSigmoid: alpha
//   _socd_act_beta   float   Clip: max; HardSigmoid: beta
//   _socd_alpha      float   MatMul only: the product is scaled by it (before the bias)
//
// Extra inputs (float32):
//   Conv    input 3: a tensor of the output's shape added after the bias, before the
//                    activation (a residual Add/Sum folded into the conv)
//   MatMul  input 2: a 1-D bias of length N added to every row, before the activation
//   MatMul  input 3: a tensor of the output's shape added after the bias (residual)
//
// So a fused Conv computes act(conv(X, W) + B + R), a fused MatMul act(alpha * A.B + bias + R)
// and a fused BatchNormalization act(BN(X)).
#pragma once

namespace socd::graph {

inline constexpr char kFusedActAttr[] = "_socd_act";
inline constexpr char kFusedAlphaAttr[] = "_socd_act_alpha";
inline constexpr char kFusedBetaAttr[] = "_socd_act_beta";
inline constexpr char kFusedScaleAttr[] = "_socd_alpha";
inline constexpr int kConvResidualInput = 3;
inline constexpr int kMatMulBiasInput = 2;
inline constexpr int kMatMulResidualInput = 3;

}  // namespace socd::graph
