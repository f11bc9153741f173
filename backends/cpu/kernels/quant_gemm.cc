// MatMulInteger and QLinearMatMul on the exact integer GEMM (see quant_gemm.h).
#include "backends/cpu/kernels/quant_gemm.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/cpu/gemm.h"

namespace socd::cpu {
namespace qgemm {

void ExactIntGemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                  int64_t ldb, int32_t* c, int64_t ldc, int threads, std::vector<float>& scratch) {
  if (m == 0 || n == 0) return;
  for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0);
  scratch.resize(static_cast<size_t>(m * n));
  for (int64_t k0 = 0; k0 < k; k0 += kExactChunk) {
    const int64_t kc = std::min(kExactChunk, k - k0);
    Sgemm(false, false, m, n, kc, 1.f, a + k0, lda, b + k0 * ldb, ldb, 0.f, scratch.data(), n,
          threads);
    for (int64_t i = 0; i < m; ++i) {
      int32_t* ci = c + i * ldc;
      const float* si = scratch.data() + i * n;
      for (int64_t j = 0; j < n; ++j) ci[j] += static_cast<int32_t>(si[j]);
    }
  }
}

void ShiftToFloat(const TensorView& src, int64_t offset, int64_t count, int32_t zero_point,
                  float* dst) {
  const float zp = static_cast<float>(zero_point);
  if (src.dtype == DType::kUInt8) {
    const uint8_t* s = src.as<uint8_t>() + offset;
    for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<float>(s[i]) - zp;
  } else {
    const int8_t* s = src.as<int8_t>() + offset;
    for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<float>(s[i]) - zp;
  }
}

float ScaleAt(const TensorView& t, int64_t i) { return static_cast<float>(graph::ReadFloat(t, i)); }

float RoundTo(float v, DType dt) {
  if (dt == DType::kFloat16) return graph::HalfToFloat(graph::FloatToHalf(v));
  if (dt == DType::kBFloat16) return graph::BFloat16ToFloat(graph::FloatToBFloat16(v));
  return v;
}

// Batched matmul geometry with numpy broadcasting of the batch dims.
struct MatMulGeom {
  int64_t m = 1, n = 1, k = 1;
  std::vector<int64_t> a_off, b_off;  // per output batch, element offsets of the A/B matrices
};

MatMulGeom MakeGeom(Shape a, Shape b) {
  MatMulGeom g;
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  g.m = a[a.size() - 2];
  g.k = a.back();
  g.n = b.back();
  const size_t out_batch_rank = std::max(a.size(), b.size()) - 2;
  Shape ob(out_batch_rank, 1);
  for (size_t d = 0; d < out_batch_rank; ++d) {
    auto dim = [&](const Shape& s) {
      size_t br = s.size() - 2;
      return d + br >= out_batch_rank ? s[d + br - out_batch_rank] : int64_t{1};
    };
    ob[d] = std::max(dim(a), dim(b));
  }
  int64_t batches = graph::NumElements(ob);
  g.a_off.resize(batches);
  g.b_off.resize(batches);
  for (int64_t bi = 0; bi < batches; ++bi) {
    int64_t rem = bi, ao = 0, bo = 0, as = g.m * g.k, bs = g.k * g.n;
    for (size_t d = out_batch_rank; d-- > 0;) {
      int64_t idx = rem % ob[d];
      rem /= ob[d];
      auto step = [&](const Shape& s, int64_t& off, int64_t& stride) {
        size_t br = s.size() - 2;
        if (d + br < out_batch_rank) return;
        int64_t size = s[d + br - out_batch_rank];
        if (size != 1) off += idx * stride;
        stride *= size;
      };
      step(a, ao, as);
      step(b, bo, bs);
    }
    g.a_off[bi] = ao;
    g.b_off[bi] = bo;
  }
  return g;
}

// Zero points / scales: one value, or one per row of A (size M) or per column of B (size N).
absl::Status CheckVector(const KernelInfo& info, size_t input, int64_t allowed, const char* what) {
  if (!info.has_input(input)) return absl::OkStatus();
  int64_t n = graph::NumElements(info.in_shapes[input]);
  if (n == 1 || n == allowed) return absl::OkStatus();
  return info.Unsupported(absl::StrCat(what, " with ", n, " values (only one, or ", allowed,
                                       " per row/column, are supported)"));
}

class QMatMulKernel : public Kernel {
 public:
  // Input slots: a, b and their zero points; scale/y inputs only for QLinearMatMul.
  struct Slots {
    int a, a_zp, b, b_zp, a_scale = -1, b_scale = -1, y_scale = -1, y_zp = -1;
  };

  QMatMulKernel(const KernelInfo& info, Slots s)
      : slots_(s),
        geom_(MakeGeom(info.in_shapes[s.a], info.in_shapes[s.b])),
        threads_(info.threads) {
    const TensorView& b = info.in_consts[s.b];
    const bool zp_known = !info.has_input(s.b_zp) || info.in_consts[s.b_zp].data != nullptr;
    if (b.data && zp_known) {
      ConvertB(b, info.has_input(s.b_zp) ? &info.in_consts[s.b_zp] : nullptr, b_packed_);
      b_ready_ = true;
    }
    if (s.y_scale >= 0) scale_dtype_ = info.in_dtypes[s.a_scale];
  }

  absl::Status Run(const KernelIo& io) override {
    const auto& in = io.inputs;
    const int64_t m = geom_.m, n = geom_.n, k = geom_.k;
    const TensorView* bzp = slots_.b_zp < static_cast<int>(in.size()) && in[slots_.b_zp].data
                                ? &in[slots_.b_zp]
                                : nullptr;
    if (!b_ready_) ConvertB(in[slots_.b], bzp, b_packed_);
    const TensorView* azp = slots_.a_zp < static_cast<int>(in.size()) && in[slots_.a_zp].data
                                ? &in[slots_.a_zp]
                                : nullptr;
    const bool quantized_out = slots_.y_scale >= 0;
    a_buf_.resize(static_cast<size_t>(m * k));
    if (quantized_out) acc_.resize(static_cast<size_t>(m * n));
    const TensorView& out = io.outputs[0];
    for (size_t bi = 0; bi < geom_.a_off.size(); ++bi) {
      for (int64_t r = 0; r < m; ++r) {
        int32_t zp = azp ? IntAt(*azp, azp->numel() == 1 ? 0 : r) : 0;
        ShiftToFloat(in[slots_.a], geom_.a_off[bi] + r * k, k, zp, a_buf_.data() + r * k);
      }
      const float* b = b_packed_.data() + geom_.b_off[bi];
      int32_t* c = quantized_out ? acc_.data() : out.as<int32_t>() + bi * m * n;
      ExactIntGemm(m, n, k, a_buf_.data(), k, b, n, c, n, threads_, scratch_);
      if (quantized_out) RequantizeBatch(in, out, bi * m * n);
    }
    return absl::OkStatus();
  }

 private:
  void ConvertB(const TensorView& b, const TensorView* zp, std::vector<float>& dst) {
    const int64_t total = b.numel(), n = geom_.n;
    dst.resize(static_cast<size_t>(total));
    if (!zp || zp->numel() == 1) {
      ShiftToFloat(b, 0, total, zp ? IntAt(*zp, 0) : 0, dst.data());
      return;
    }
    for (int64_t row = 0; row * n < total; ++row) {
      ShiftToFloat(b, row * n, n, 0, dst.data() + row * n);
      for (int64_t j = 0; j < n; ++j) dst[row * n + j] -= static_cast<float>(IntAt(*zp, j));
    }
  }

  void RequantizeBatch(const std::vector<TensorView>& in, const TensorView& out, int64_t base) {
    const TensorView &as = in[slots_.a_scale], &bs = in[slots_.b_scale], &ys = in[slots_.y_scale];
    const TensorView* yzp = slots_.y_zp < static_cast<int>(in.size()) && in[slots_.y_zp].data
                                ? &in[slots_.y_zp]
                                : nullptr;
    const int32_t lo = out.dtype == DType::kUInt8 ? 0 : -128;
    const int32_t hi = out.dtype == DType::kUInt8 ? 255 : 127;
    for (int64_t r = 0; r < geom_.m; ++r) {
      const float a_s = ScaleAt(as, as.numel() == 1 ? 0 : r);
      for (int64_t j = 0; j < geom_.n; ++j) {
        // a_scale * b_scale / y_scale, each step rounded to the scales' type as numpy does.
        float mult = RoundTo(a_s * ScaleAt(bs, bs.numel() == 1 ? 0 : j), scale_dtype_);
        mult = RoundTo(mult / ScaleAt(ys, ys.numel() == 1 ? 0 : j), scale_dtype_);
        const int32_t zp = yzp ? IntAt(*yzp, yzp->numel() == 1 ? 0 : j) : 0;
        StoreQuantized(out, base + r * geom_.n + j,
                       Requantize(acc_[r * geom_.n + j], mult, zp, lo, hi));
      }
    }
  }

  Slots slots_;
  MatMulGeom geom_;
  int threads_;
  DType scale_dtype_ = DType::kFloat32;
  bool b_ready_ = false;
  std::vector<float> b_packed_, a_buf_, scratch_;
  std::vector<int32_t> acc_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateMatMulInteger(const KernelInfo& info) {
  QMatMulKernel::Slots s{0, 2, 1, 3};
  const MatMulGeom g = MakeGeom(info.in_shapes[0], info.in_shapes[1]);
  if (auto st = CheckVector(info, 2, g.m, "a_zero_point"); !st.ok()) return st;
  if (auto st = CheckVector(info, 3, g.n, "b_zero_point"); !st.ok()) return st;
  return std::unique_ptr<Kernel>(new QMatMulKernel(info, s));
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateQLinearMatMul(const KernelInfo& info) {
  QMatMulKernel::Slots s{0, 2, 3, 5, 1, 4, 6, 7};
  DType out = info.out_dtypes[0];
  if (out != DType::kUInt8 && out != DType::kInt8) {
    return info.Unsupported(absl::StrCat("output type ", graph::DTypeName(out)));
  }
  for (int i : {1, 4, 6}) {
    if (!info.has_input(i)) return info.Error(absl::StrCat("input ", i, " (a scale) is required"));
    DType t = info.in_dtypes[i];
    if (t != DType::kFloat32 && t != DType::kFloat16 && t != DType::kBFloat16) {
      return info.Unsupported(absl::StrCat("scale type ", graph::DTypeName(t)));
    }
  }
  const MatMulGeom g = MakeGeom(info.in_shapes[0], info.in_shapes[3]);
  if (auto st = CheckVector(info, 1, g.m, "a_scale"); !st.ok()) return st;
  if (auto st = CheckVector(info, 2, g.m, "a_zero_point"); !st.ok()) return st;
  if (auto st = CheckVector(info, 4, g.n, "b_scale"); !st.ok()) return st;
  if (auto st = CheckVector(info, 5, g.n, "b_zero_point"); !st.ok()) return st;
  if (auto st = CheckVector(info, 6, g.n, "y_scale"); !st.ok()) return st;
  if (auto st = CheckVector(info, 7, g.n, "y_zero_point"); !st.ok()) return st;
  return std::unique_ptr<Kernel>(new QMatMulKernel(info, s));
}

}  // namespace qgemm

void RegisterQGemmKernels(KernelRegistry& r) {
  r.Add({"", "MatMulInteger", 10, 1000, qgemm::CreateMatMulInteger});
  r.Add({"", "QLinearMatMul", 10, 1000, qgemm::CreateQLinearMatMul});
}

}  // namespace socd::cpu
