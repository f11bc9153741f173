// CPU kernels for the elementwise operator group: the shared broadcast planner, the
// float16/bfloat16 adapter, and registration. The kernels live in elementwise_*.cc.
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/elementwise_impl.h"
#include "backends/cpu/kernels/elementwise_math.h"
#include "graph/tensor.h"

SOCD_ELEM_BEGIN
namespace socd::cpu::elementwise_impl {

absl::StatusOr<BcastPlan> MakeBcastPlan(const KernelInfo& info, const std::vector<Shape>& inputs,
                                        const Shape& out) {
  BcastPlan p;
  const int n_in = static_cast<int>(inputs.size());
  const int r = static_cast<int>(out.size());
  p.total = graph::NumElements(out);
  p.nd = 1;
  p.dims[0] = 1;
  if (p.total <= 0) {
    p.total = 0;
    return p;
  }
  // Contiguous strides of each input, aligned to the output's dims (numpy: align right).
  std::vector<std::vector<int64_t>> in_stride(n_in, std::vector<int64_t>(r, 0));
  for (int k = 0; k < n_in; ++k) {
    const Shape& s = inputs[k];
    const int off = r - static_cast<int>(s.size());
    if (off < 0) return info.Error("input rank exceeds output rank");
    int64_t st = 1;
    for (int d = r - 1; d >= off; --d) {
      int64_t dim = s[d - off];
      if (dim != 1 && dim != out[d]) return info.Error("input shape does not broadcast to output");
      in_stride[k][d] = dim == 1 ? 0 : st;
      st *= dim;
    }
  }
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> strides(n_in);
  for (int d = 0; d < r; ++d) {
    if (out[d] == 1) continue;
    bool merge = !dims.empty();
    for (int k = 0; k < n_in && merge; ++k) {
      merge = strides[k].back() == in_stride[k][d] * out[d];
    }
    if (merge) {
      dims.back() *= out[d];
      for (int k = 0; k < n_in; ++k) strides[k].back() = in_stride[k][d];
    } else {
      dims.push_back(out[d]);
      for (int k = 0; k < n_in; ++k) strides[k].push_back(in_stride[k][d]);
    }
  }
  if (dims.empty()) return p;  // a single element
  if (dims.size() > static_cast<size_t>(kMaxDims) || n_in > kMaxInputs) {
    return info.Unsupported(absl::StrCat("broadcast of ", dims.size(), " distinct dims"));
  }
  p.nd = static_cast<int>(dims.size());
  for (int d = 0; d < p.nd; ++d) {
    p.dims[d] = dims[d];
    for (int k = 0; k < n_in; ++k) p.strides[k][d] = strides[k][d];
  }
  return p;
}

Shape LegacyBroadcastShape(const graph::Node& node, const Shape& a, const Shape& b) {
  const int64_t ra = static_cast<int64_t>(a.size()), rb = static_cast<int64_t>(b.size());
  int64_t axis = node.GetInt("axis", ra - rb);
  if (axis < 0) axis += ra;
  if (axis < 0 || axis + rb > ra) return b;  // not a legacy layout: numpy rules decide
  Shape s(static_cast<size_t>(ra - axis), 1);
  for (int64_t i = 0; i < rb; ++i) s[i] = b[i];
  return s;
}

absl::Status CheckArity(const KernelInfo& info, size_t n) {
  if (info.in_dtypes.size() < n) {
    return info.Error(absl::StrCat("expects ", n, " inputs, got ", info.in_dtypes.size()));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!info.has_input(i)) return info.Error(absl::StrCat("input ", i, " is required"));
  }
  if (info.out_dtypes.empty()) return info.Error("has no output");
  return absl::OkStatus();
}

double ScalarAsDouble(const TensorView& v) {
  if (v.data == nullptr || v.numel() < 1) return 0;
  if (graph::IsFloat(v.dtype)) return graph::ReadFloat(v, 0);
  if (v.dtype == DType::kUInt64) return static_cast<double>(v.as<const uint64_t>()[0]);
  return static_cast<double>(graph::ReadInt(v, 0));
}

// ---- float16 / bfloat16 through the float32 kernels ----
bool IsHalf(DType t) { return t == DType::kFloat16 || t == DType::kBFloat16; }

SOCD_HOT_LOOP void WidenBFloat16(const uint16_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = BFloat16BitsToFloat(src[i]);
}

SOCD_HOT_LOOP void NarrowBFloat16(const float* src, uint16_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = FloatToBFloat16Bits(src[i]);
}

void WidenHalf(DType t, const uint16_t* src, float* dst, int64_t n) {
  if (t == DType::kFloat16) {
    HalfRowToFloat(src, dst, n);
  } else {
    WidenBFloat16(src, dst, n);
  }
}

void NarrowHalf(DType t, const float* src, uint16_t* dst, int64_t n) {
  if (t == DType::kFloat16) {
    FloatRowToHalf(src, dst, n);
  } else {
    NarrowBFloat16(src, dst, n);
  }
}

class ViaFloatKernel : public Kernel {
 public:
  absl::Status Run(const KernelIo& io) override {
    // float32 copies live in one per-thread scratch buffer, so a float16 model holds the
    // widened copies of one node at a time rather than of every node.
    static thread_local std::vector<float> scratch;
    size_t need = 0;
    for (const TensorView& v : io.inputs) {
      if (IsHalf(v.dtype) && v.data != nullptr) need += static_cast<size_t>(v.numel());
    }
    for (const TensorView& v : io.outputs) {
      if (IsHalf(v.dtype) && v.data != nullptr) need += static_cast<size_t>(v.numel());
    }
    if (scratch.size() < need) scratch.resize(need);
    float* next = scratch.data();
    KernelIo fio{io.inputs, io.outputs, io.pool};
    for (size_t i = 0; i < io.inputs.size(); ++i) {
      const TensorView& v = io.inputs[i];
      if (!IsHalf(v.dtype) || v.data == nullptr) continue;
      const uint16_t* src = v.as<const uint16_t>();
      float* dst = next;
      next += v.numel();
      Parallel(io, v.numel(), kCheapChunk,
               [&](int64_t b, int64_t e) { WidenHalf(v.dtype, src + b, dst + b, e - b); });
      fio.inputs[i] = {DType::kFloat32, v.shape, dst};
    }
    std::vector<float*> out_f(io.outputs.size(), nullptr);
    for (size_t o = 0; o < io.outputs.size(); ++o) {
      const TensorView& v = io.outputs[o];
      if (!IsHalf(v.dtype) || v.data == nullptr) continue;
      out_f[o] = next;
      next += v.numel();
      fio.outputs[o] = {DType::kFloat32, v.shape, out_f[o]};
    }
    if (auto s = inner_->Run(fio); !s.ok()) return s;
    for (size_t o = 0; o < io.outputs.size(); ++o) {
      const TensorView& v = io.outputs[o];
      if (out_f[o] == nullptr) continue;
      const float* src = out_f[o];
      uint16_t* dst = v.as<uint16_t>();
      Parallel(io, v.numel(), kCheapChunk,
               [&](int64_t b, int64_t e) { NarrowHalf(v.dtype, src + b, dst + b, e - b); });
    }
    return absl::OkStatus();
  }

  std::unique_ptr<Kernel> inner_;
  std::vector<std::vector<float>> consts_;  // widened constant inputs the inner kernel may keep
};

KernelFactory ViaFloat(KernelFactory inner) {
  return [inner](const KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    bool any = false;
    for (DType t : info.in_dtypes) any |= IsHalf(t);
    for (DType t : info.out_dtypes) any |= IsHalf(t);
    if (!any) return inner(info);
    auto k = std::make_unique<ViaFloatKernel>();
    KernelInfo f = info;
    k->consts_.resize(info.in_dtypes.size());
    for (size_t i = 0; i < f.in_dtypes.size(); ++i) {
      if (!IsHalf(f.in_dtypes[i])) continue;
      f.in_dtypes[i] = DType::kFloat32;
      const TensorView& c = info.in_consts[i];
      if (c.data != nullptr) {
        k->consts_[i].resize(static_cast<size_t>(c.numel()));
        WidenHalf(c.dtype, c.as<const uint16_t>(), k->consts_[i].data(), c.numel());
        f.in_consts[i] = {DType::kFloat32, c.shape, k->consts_[i].data()};
      }
    }
    for (DType& t : f.out_dtypes) {
      if (IsHalf(t)) t = DType::kFloat32;
    }
    auto in = inner(f);
    if (!in.ok()) return in.status();
    k->inner_ = *std::move(in);
    return std::unique_ptr<Kernel>(std::move(k));
  };
}

}  // namespace socd::cpu::elementwise_impl
SOCD_ELEM_END

namespace socd::cpu {

void RegisterElementwiseKernels(KernelRegistry& r) {
  elementwise_impl::RegisterUnaryKernels(r);
  elementwise_impl::RegisterActivationKernels(r);
  elementwise_impl::RegisterBinaryKernels(r);
  elementwise_impl::RegisterCompareKernels(r);
  elementwise_impl::RegisterVariadicKernels(r);
  elementwise_impl::RegisterCastKernels(r);
}

}  // namespace socd::cpu
