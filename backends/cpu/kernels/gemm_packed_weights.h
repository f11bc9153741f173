// MatMul/Gemm with constant float32 weights on socd's packed GEMM (gemm_packed_weights.cc).
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/gemm_epilogue.h"

namespace socd::cpu::gemm_impl {

// y[rows, n] = act(alpha * op(A)[rows, k] * op(B)[k, n] + bias + residual).
struct PackedWeightsConfig {
  int64_t rows = 0, k = 0, n = 0;
  bool trans_a = false;
  const float* b = nullptr;
  bool trans_b = false;
  float alpha = 1.0f;
  std::vector<float> col_bias;  // constant per-column bias (already scaled), or empty
  int bias_input = -1;          // a run-time per-column bias input
  float bias_scale = 1.0f;      // applied to bias_input (Gemm's beta)
  int res_input = -1;           // a run-time [rows, n] input added before the activation
  epilogue::Activation act;
  int threads = 1;
};

std::unique_ptr<Kernel> MakePackedWeights(PackedWeightsConfig c);

}  // namespace socd::cpu::gemm_impl
