// Gemm and MatMul. float32 goes to cpu::Sgemm with the bias/activation epilogue of fused nodes;
// other element types use a plain i-k-j loop (they are rare and small in practice).
#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/gemm.h"
#include "backends/cpu/kernels/gemm_epilogue.h"
#include "backends/cpu/kernels/gemm_packed_weights.h"
#include "backends/cpu/simd.h"
#include "graph/passes/fusion.h"

namespace socd::cpu::gemm_impl {

// C[m, n] (+)= sum_k A[m, k] * B[k, n] with arbitrary element strides (handles transposes).
template <typename T>
void NaiveGemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_rs, int64_t a_cs, const T* b,
               int64_t b_rs, int64_t b_cs, T* c, int64_t ldc, T alpha) {
  for (int64_t i = 0; i < m; ++i) {
    T* ci = c + i * ldc;
    for (int64_t p = 0; p < k; ++p) {
      const T av = alpha * a[i * a_rs + p * a_cs];
      const T* bp = b + p * b_rs;
      for (int64_t j = 0; j < n; ++j) ci[j] += av * bp[j * b_cs];
    }
  }
}

struct GemmPlan {
  bool ta = false, tb = false;
  int64_t m = 0, n = 0, k = 0;
  float alpha = 1, beta = 1;
  bool has_c = false;
  Shape c_shape;
  epilogue::Activation act;
  int threads = 1;
};

// Y[i, j] = beta * C broadcast to [m, n] (or 0 without C).
template <typename T>
void FillC(T* y, const T* c, const GemmPlan& p) {
  if (!p.has_c) {
    std::fill(y, y + p.m * p.n, T(0));
    return;
  }
  const Shape& cs = p.c_shape;
  const int64_t cm = cs.size() == 2 ? cs[0] : 1;
  const int64_t cn = cs.empty() ? 1 : cs.back();
  const T beta = static_cast<T>(p.beta);
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j)
      y[i * p.n + j] = beta * c[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
}

template <typename T>
absl::StatusOr<std::unique_ptr<Kernel>> MakeGemm(GemmPlan p) {
  return MakeFnKernel([p](const KernelIo& io) {
    const T* a = io.inputs[0].as<T>();
    const T* b = io.inputs[1].as<T>();
    const T* c = p.has_c ? io.inputs[2].as<T>() : nullptr;
    T* y = io.outputs[0].as<T>();
    if (p.m == 0 || p.n == 0) return absl::OkStatus();
    FillC(y, c, p);
    const int64_t lda = p.ta ? p.m : p.k, ldb = p.tb ? p.k : p.n;
    if constexpr (std::is_same_v<T, float>) {
      if (p.k > 0) {
        Sgemm(p.ta, p.tb, p.m, p.n, p.k, p.alpha, a, lda, b, ldb, 1.0f, y, p.n, p.threads);
      }
      epilogue::ApplyRows(y, p.m, p.n, p.n, nullptr, nullptr, p.act);
    } else {
      NaiveGemm<T>(p.m, p.n, p.k, a, p.ta ? 1 : lda, p.ta ? lda : 1, b, p.tb ? 1 : ldb,
                   p.tb ? ldb : 1, y, p.n, static_cast<T>(p.alpha));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateGemm(const KernelInfo& info) {
  GemmPlan p;
  const Shape& a = info.in_shapes[0];
  const Shape& b = info.in_shapes[1];
  if (a.size() != 2 || b.size() != 2) return info.Error("A and B must be matrices");
  p.ta = info.node.GetInt("transA", 0) != 0;
  p.tb = info.node.GetInt("transB", 0) != 0;
  p.m = p.ta ? a[1] : a[0];
  p.k = p.ta ? a[0] : a[1];
  p.n = p.tb ? b[0] : b[1];
  if ((p.tb ? b[1] : b[0]) != p.k) return info.Error("inner dimensions of A and B differ");
  p.alpha = info.node.GetFloat("alpha", 1.0f);
  p.beta = info.node.GetFloat("beta", 1.0f);
  p.has_c = info.has_input(2);
  if (p.has_c) {
    p.c_shape = info.in_shapes[2];
    const Shape& cs = p.c_shape;
    if (cs.size() > 2 || (cs.size() == 2 && cs[0] != 1 && cs[0] != p.m) ||
        (!cs.empty() && cs.back() != 1 && cs.back() != p.n)) {
      return info.Error(absl::StrCat("C ", graph::ShapeToString(cs), " does not broadcast to [",
                                     p.m, ",", p.n, "]"));
    }
  }
  p.threads = std::max(1, info.threads);
  auto act = epilogue::ReadActivation(info);
  if (!act.ok()) return act.status();
  p.act = *act;
  DType dt = info.in_dtypes[0];
  if (p.act.kind != epilogue::Activation::kNone && dt != DType::kFloat32)
    return info.Unsupported("fused activations need float32");
  // Constant weights with a per-column (or no) C: packed once.
  const bool col_c = !p.has_c || graph::NumElements(p.c_shape) == 1 ||
                     (graph::NumElements(p.c_shape) == p.n && p.c_shape.back() == p.n);
  if (dt == DType::kFloat32 && info.in_consts[1].data && col_c) {
    PackedWeightsConfig c;
    c.rows = p.m;
    c.k = p.k;
    c.n = p.n;
    c.trans_a = p.ta;
    c.b = info.in_consts[1].as<float>();
    c.trans_b = p.tb;
    c.alpha = p.alpha;
    if (p.has_c && info.in_consts[2].data) {
      const TensorView& cv = info.in_consts[2];
      const float* src = cv.as<float>();
      for (int64_t j = 0; j < p.n; ++j) c.col_bias.push_back(p.beta * src[cv.numel() == 1 ? 0 : j]);
    } else if (p.has_c) {
      c.bias_input = 2;
      c.bias_scale = p.beta;
    }
    c.act = p.act;
    c.threads = p.threads;
    return MakePackedWeights(std::move(c));
  }
  switch (dt) {
    case DType::kFloat32:
      return MakeGemm<float>(p);
    case DType::kFloat64:
      return MakeGemm<double>(p);
    case DType::kInt32:
      return MakeGemm<int32_t>(p);
    case DType::kInt64:
      return MakeGemm<int64_t>(p);
    case DType::kUInt32:
      return MakeGemm<uint32_t>(p);
    case DType::kUInt64:
      return MakeGemm<uint64_t>(p);
    default:
      return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
  }
}

// MatMul with numpy semantics: batch dims broadcast, 1-D operands promoted and dropped.
struct MatMulPlan {
  int64_t m = 0, n = 0, k = 0;
  int64_t batches = 1;
  std::vector<int64_t> a_off, b_off;  // per output batch, in elements
  bool fold_batch = false;            // B shared by all batches and A contiguous: one GEMM
  float alpha = 1;
  epilogue::Activation act;
  int threads = 1;
};

absl::Status PlanMatMul(const KernelInfo& info, MatMulPlan& p) {
  Shape a = info.in_shapes[0], b = info.in_shapes[1];
  if (a.empty() || b.empty()) return info.Error("A and B must have rank >= 1");
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  p.m = a[a.size() - 2];
  p.k = a.back();
  p.n = b.back();
  if (b[b.size() - 2] != p.k) return info.Error("inner dimensions of A and B differ");
  const size_t rank = std::max(a.size(), b.size());
  Shape ab(rank - a.size(), 1), bb(rank - b.size(), 1);
  ab.insert(ab.end(), a.begin(), a.end() - 2);
  bb.insert(bb.end(), b.begin(), b.end() - 2);
  Shape out(rank - 2);
  for (size_t i = 0; i + 2 < rank; ++i) {
    if (ab[i] != bb[i] && ab[i] != 1 && bb[i] != 1)
      return info.Error("batch dims do not broadcast");
    out[i] = std::max(ab[i], bb[i]);
    if (ab[i] == 0 || bb[i] == 0) out[i] = 0;
  }
  p.batches = graph::NumElements(out);
  bool b_shared = graph::NumElements(bb) == 1;
  p.fold_batch = b_shared && graph::NumElements(ab) == p.batches;
  if (p.fold_batch) return absl::OkStatus();
  std::vector<int64_t> idx(out.size(), 0);
  for (int64_t q = 0; q < p.batches; ++q) {
    int64_t ao = 0, bo = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      ao = ao * ab[i] + (ab[i] == 1 ? 0 : idx[i]);
      bo = bo * bb[i] + (bb[i] == 1 ? 0 : idx[i]);
    }
    p.a_off.push_back(ao * p.m * p.k);
    p.b_off.push_back(bo * p.k * p.n);
    for (int i = static_cast<int>(out.size()) - 1; i >= 0; --i) {
      if (++idx[i] < out[i]) break;
      idx[i] = 0;
    }
  }
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<std::unique_ptr<Kernel>> MakeMatMul(MatMulPlan p) {
  return MakeFnKernel([p](const KernelIo& io) {
    const T* a = io.inputs[0].as<T>();
    const T* b = io.inputs[1].as<T>();
    const float* bias = nullptr;
    const float* res = nullptr;
    if (io.inputs.size() > graph::kMatMulBiasInput && io.inputs[graph::kMatMulBiasInput].data)
      bias = io.inputs[graph::kMatMulBiasInput].as<float>();
    if (io.inputs.size() > graph::kMatMulResidualInput &&
        io.inputs[graph::kMatMulResidualInput].data)
      res = io.inputs[graph::kMatMulResidualInput].as<float>();
    T* y = io.outputs[0].as<T>();
    const int64_t mn = p.m * p.n;
    if (p.batches == 0 || mn == 0) return absl::OkStatus();
    if constexpr (std::is_same_v<T, float>) {
      if (p.fold_batch) {
        const int64_t rows = p.batches * p.m;
        if (p.k == 0)
          std::fill(y, y + rows * p.n, 0.0f);
        else
          Sgemm(false, false, rows, p.n, p.k, p.alpha, a, p.k, b, p.n, 0.0f, y, p.n, p.threads);
        epilogue::ApplyRows(y, rows, p.n, p.n, bias, res, p.act);
        return absl::OkStatus();
      }
      const bool par = p.threads > 1 && p.batches >= p.threads;
      auto run = [&](int64_t qb, int64_t qe) {
        for (int64_t q = qb; q < qe; ++q) {
          T* yq = y + q * mn;
          if (p.k == 0)
            std::fill(yq, yq + mn, 0.0f);
          else
            Sgemm(false, false, p.m, p.n, p.k, p.alpha, a + p.a_off[q], p.k, b + p.b_off[q], p.n,
                  0.0f, yq, p.n, par ? 1 : p.threads);
          epilogue::ApplyRows(yq, p.m, p.n, p.n, bias, res ? res + q * mn : nullptr, p.act);
        }
      };
      if (par)
        io.pool->ParallelFor(p.batches, 1, run);
      else
        run(0, p.batches);
    } else {
      for (int64_t q = 0; q < p.batches; ++q) {
        T* yq = y + q * mn;
        std::fill(yq, yq + mn, T(0));
        const T* aq = a + (p.fold_batch ? q * p.m * p.k : p.a_off[q]);
        const T* bq = b + (p.fold_batch ? 0 : p.b_off[q]);
        NaiveGemm<T>(p.m, p.n, p.k, aq, p.k, 1, bq, p.n, 1, yq, p.n, T(1));
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateMatMul(const KernelInfo& info) {
  MatMulPlan p;
  if (auto s = PlanMatMul(info, p); !s.ok()) return s;
  p.threads = std::max(1, info.threads);
  auto act = epilogue::ReadActivation(info);
  if (!act.ok()) return act.status();
  p.act = *act;
  p.alpha = info.node.GetFloat(graph::kFusedScaleAttr, 1.0f);
  DType dt = info.in_dtypes[0];
  bool fused = p.act.kind != epilogue::Activation::kNone || p.alpha != 1.0f ||
               info.has_input(graph::kMatMulBiasInput) ||
               info.has_input(graph::kMatMulResidualInput);
  if (fused && dt != DType::kFloat32) return info.Unsupported("fused epilogues need float32");
  const Shape& bs = info.in_shapes[1];
  if (dt == DType::kFloat32 && info.in_consts[1].data && p.fold_batch && bs.size() >= 2) {
    // Constant weights: packed once.
    PackedWeightsConfig c;
    c.rows = p.batches * p.m;
    c.k = p.k;
    c.n = p.n;
    c.b = info.in_consts[1].as<float>();
    c.alpha = p.alpha;
    const int bi = graph::kMatMulBiasInput, ri = graph::kMatMulResidualInput;
    if (info.has_input(bi) && info.in_consts[bi].data) {
      c.col_bias.assign(info.in_consts[bi].as<float>(), info.in_consts[bi].as<float>() + p.n);
    } else if (info.has_input(bi)) {
      c.bias_input = bi;
    }
    if (info.has_input(ri)) c.res_input = ri;
    c.act = p.act;
    c.threads = p.threads;
    return MakePackedWeights(std::move(c));
  }
  switch (dt) {
    case DType::kFloat32:
      return MakeMatMul<float>(std::move(p));
    case DType::kFloat64:
      return MakeMatMul<double>(std::move(p));
    case DType::kInt32:
      return MakeMatMul<int32_t>(std::move(p));
    case DType::kInt64:
      return MakeMatMul<int64_t>(std::move(p));
    case DType::kUInt32:
      return MakeMatMul<uint32_t>(std::move(p));
    case DType::kUInt64:
      return MakeMatMul<uint64_t>(std::move(p));
    default:
      return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
  }
}

void RegisterGemmKernels(KernelRegistry& r) {
  r.Add({"", "Gemm", 1, 1000, CreateGemm});
  r.Add({"", "MatMul", 1, 1000, CreateMatMul});
}

}  // namespace socd::cpu::gemm_impl
