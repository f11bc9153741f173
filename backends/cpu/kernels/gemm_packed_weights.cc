// MatMul and Gemm whose right operand is a constant float32 matrix (a layer's weights): the
// weights are packed once at kernel creation (scaled by alpha), the activations are packed
// per run, and bias / residual / activation run as the epilogue of each finished block.
#include "backends/cpu/kernels/gemm_packed_weights.h"

#include <algorithm>
#include <vector>

#include "backends/cpu/kernels/gemm_packed.h"

namespace socd::cpu::gemm_impl {

class PackedWeightsKernel : public Kernel {
 public:
  explicit PackedWeightsKernel(PackedWeightsConfig c) : c_(std::move(c)) {
    b_.Pack(c_.b, c_.k, c_.n, c_.trans_b ? c_.k : c_.n, c_.trans_b, c_.alpha);
    const int64_t cols16 = (c_.n + packed_gemm::kNR - 1) / packed_gemm::kNR;
    slices_ = static_cast<int>(std::clamp<int64_t>(cols16 / 2, 1, std::max(1, c_.threads)));
    scratch_.resize(slices_);
    for (auto& s : scratch_) s.Resize(packed_gemm::ScratchFloats(c_.k, c_.n));
  }

  absl::Status Run(const KernelIo& io) override {
    if (c_.rows == 0 || c_.n == 0) return absl::OkStatus();
    const float* a = io.inputs[0].as<float>();
    float* y = io.outputs[0].as<float>();
    a_.Pack(a, c_.rows, c_.k, c_.trans_a ? 1 : c_.k, c_.trans_a ? c_.rows : 1);
    const float* bias = c_.col_bias.empty() ? nullptr : c_.col_bias.data();
    if (c_.bias_input >= 0 && io.inputs[c_.bias_input].data) {
      const float* src = io.inputs[c_.bias_input].as<float>();
      const int64_t len = io.inputs[c_.bias_input].numel();
      run_bias_.resize(c_.n);
      for (int64_t j = 0; j < c_.n; ++j) run_bias_[j] = c_.bias_scale * src[len == 1 ? 0 : j];
      bias = run_bias_.data();
    }
    const float* res = c_.res_input >= 0 && io.inputs[c_.res_input].data
                           ? io.inputs[c_.res_input].as<float>()
                           : nullptr;
    const int64_t n = c_.n;
    auto slice = [&](int64_t sb, int64_t se) {
      for (int64_t sl = sb; sl < se; ++sl) {
        const int64_t panels = (n + packed_gemm::kNR - 1) / packed_gemm::kNR;
        const int64_t nb = std::min(n, panels * sl / slices_ * packed_gemm::kNR);
        const int64_t ne = std::min(n, panels * (sl + 1) / slices_ * packed_gemm::kNR);
        packed_gemm::TileEpilogue te;
        packed_gemm::Epilogue epi;
        if (epilogue::AsClamp(c_.act, te.lo, te.hi)) {
          te.col_bias = bias;
          te.res = res;
          te.ldr = n;
          epi.tile = &te;
        } else {
          epi.block = [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
            epilogue::ApplyRows(y + m0 * n + n0, m1 - m0, n1 - n0, n, bias ? bias + n0 : nullptr,
                                res ? res + m0 * n + n0 : nullptr, c_.act);
          };
        }
        packed_gemm::Gemm(a_, nb, ne, b_, y, n, epi, scratch_[sl].data());
      }
    };
    if (slices_ == 1)
      slice(0, 1);
    else
      io.pool->ParallelFor(slices_, 1, slice);
    return absl::OkStatus();
  }

 private:
  PackedWeightsConfig c_;
  packed_gemm::PackedB b_;
  packed_gemm::PackedA a_;
  std::vector<float> run_bias_;
  int slices_ = 1;
  std::vector<packed_gemm::FloatBuffer> scratch_;
};

std::unique_ptr<Kernel> MakePackedWeights(PackedWeightsConfig c) {
  return std::make_unique<PackedWeightsKernel>(std::move(c));
}

}  // namespace socd::cpu::gemm_impl
