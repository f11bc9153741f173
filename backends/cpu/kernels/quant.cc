// CPU kernels for QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear, matching the
// ONNX reference bit for bit: the division x / scale happens in the type numpy would promote the
// operands to (or in the `precision` attribute's type), rounds half to even and saturates.
// The GEMM- and conv-shaped quant ops live in quant_gemm.cc and quant_conv.cc.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/quant_gemm.h"
#include "graph/minifloat.h"

namespace socd::cpu {
namespace quant_impl {

using qgemm::RoundTo;

// Where the scale/zero point of element (o, d, i) of x viewed as [outer, D, inner] is:
// one value, one per d (per axis), or one per block of d (blocked, opset 21).
struct Layout {
  enum Mode { kTensor, kAxis, kBlock } mode = kTensor;
  int64_t outer = 1, d = 1, inner = 1, blocks = 1, block = 1;
  int64_t Index(int64_t o, int64_t di, int64_t i) const {
    if (mode == kTensor) return 0;
    if (mode == kAxis) return di;
    return (o * blocks + di / block) * inner + i;
  }
};

absl::StatusOr<Layout> MakeLayout(const KernelInfo& info, const Shape& x, const Shape& scale) {
  Layout l;
  l.d = graph::NumElements(x);
  if (graph::NumElements(scale) == 1) return l;
  const int64_t rank = static_cast<int64_t>(x.size());
  int64_t axis = info.node.GetInt("axis", 1);
  if (axis < -rank || axis >= rank)
    return info.Error(absl::StrCat("axis ", axis, " is out of range"));
  if (axis < 0) axis += rank;
  l.outer = 1;
  l.inner = 1;
  for (int64_t i = 0; i < rank; ++i) {
    if (i < axis) l.outer *= x[i];
    if (i > axis) l.inner *= x[i];
  }
  l.d = x[axis];
  l.block = info.node.GetInt("block_size", 0);
  if (l.block <= 0) {
    if (graph::NumElements(scale) != l.d) return info.Error("scale does not match x along axis");
    l.mode = Layout::kAxis;
    return l;
  }
  l.mode = Layout::kBlock;
  l.blocks = (l.d + l.block - 1) / l.block;
  if (graph::NumElements(scale) != l.outer * l.blocks * l.inner) {
    return info.Error("scale shape does not block x");
  }
  return l;
}

bool IsFloatScale(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16;
}

// The type numpy divides x by the scale in: float16/bfloat16 only when both are, float64 for
// integer x, else float32.
DType DivisionType(DType x, DType scale) {
  if (x == DType::kInt32) return DType::kFloat64;
  if (x == scale) return x;
  return DType::kFloat32;
}

double Divide(double x, double s, DType precision) {
  switch (precision) {
    case DType::kFloat64:
      return x / s;
    case DType::kFloat16:
    case DType::kBFloat16: {
      float xf = RoundTo(static_cast<float>(x), precision);
      float sf = RoundTo(static_cast<float>(s), precision);
      return RoundTo(xf / sf, precision);
    }
    default:
      return static_cast<float>(x) / static_cast<float>(s);
  }
}

template <typename Q>
void QuantizeLoop(const Layout& l, const TensorView& x, const TensorView& scale,
                  const TensorView* zp, DType precision, Q* y) {
  constexpr double lo = std::numeric_limits<Q>::min(), hi = std::numeric_limits<Q>::max();
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t di = 0; di < l.d; ++di) {
      const int64_t base = (o * l.d + di) * l.inner;
      for (int64_t i = 0; i < l.inner; ++i) {
        const int64_t s = l.Index(o, di, i);
        double v = std::nearbyint(
            Divide(graph::ReadFloat(x, base + i), graph::ReadFloat(scale, s), precision));
        v += zp ? static_cast<double>(graph::ReadInt(*zp, s)) : 0.0;
        y[base + i] = static_cast<Q>(!(v >= lo) ? lo : v > hi ? hi : v);  // NaN -> lo
      }
    }
  }
}

// int4/uint4/int2/uint2 (rounded, zero point added, clamped) and float8/float4 (x / scale cast
// with saturation; float8 zero points must be zero and are ignored, float4's is added first),
// as ONNX's reference computes them.
void QuantizeSubByte(const Layout& l, const TensorView& x, const TensorView& scale,
                     const TensorView* zp, DType precision, DType out, bool saturate, uint8_t* y) {
  const bool is_int = graph::IsSubByteInt(out);
  const int bits = graph::PackedBits(out);
  const bool is_signed = out == DType::kInt4 || out == DType::kInt2;
  const double lo = is_signed ? -(1 << (bits - 1)) : 0;
  const double hi = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t di = 0; di < l.d; ++di) {
      const int64_t base = (o * l.d + di) * l.inner;
      for (int64_t i = 0; i < l.inner; ++i) {
        const int64_t s = l.Index(o, di, i);
        const double q =
            Divide(graph::ReadFloat(x, base + i), graph::ReadFloat(scale, s), precision);
        if (is_int) {
          double v = std::nearbyint(q) + (zp ? static_cast<double>(graph::ReadInt(*zp, s)) : 0.0);
          v = !(v >= lo) ? lo : v > hi ? hi : v;
          y[base + i] = static_cast<uint8_t>(static_cast<int8_t>(v));
        } else if (out == DType::kFloat4E2M1) {
          const double v = q + (zp ? graph::ReadFloat(*zp, s) : 0.0);
          y[base + i] = graph::FloatToMiniFloat(static_cast<float>(v), out, true);
        } else {
          y[base + i] = graph::FloatToMiniFloat(static_cast<float>(q), out, saturate);
        }
      }
    }
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateQuantize(const KernelInfo& info) {
  const DType xt = info.in_dtypes[0], st = info.in_dtypes[1], out = info.out_dtypes[0];
  if (!IsFloatScale(xt) && xt != DType::kInt32) {
    return info.Unsupported(absl::StrCat("input type ", graph::DTypeName(xt)));
  }
  if (!IsFloatScale(st)) return info.Unsupported(absl::StrCat("scale type ", graph::DTypeName(st)));
  const bool sub_byte = graph::IsSubByteInt(out) || graph::IsMiniFloat(out);
  if (out != DType::kUInt8 && out != DType::kInt8 && out != DType::kUInt16 &&
      out != DType::kInt16 && !sub_byte) {
    return info.Unsupported(absl::StrCat("output type ", graph::DTypeName(out)));
  }
  const bool saturate = info.node.GetInt("saturate", 1) != 0;
  auto layout = MakeLayout(info, info.in_shapes[0], info.in_shapes[1]);
  if (!layout.ok()) return layout.status();
  DType precision = DivisionType(xt, st);
  if (int64_t p = info.node.GetInt("precision", 0); p != 0) {
    precision = static_cast<DType>(p);
    if (!IsFloatScale(precision) && precision != DType::kFloat64) {
      return info.Unsupported(absl::StrCat("precision ", p));
    }
  }
  return MakeFnKernel([l = *layout, precision, out, saturate](const KernelIo& io) -> absl::Status {
    const TensorView* zp = io.inputs.size() > 2 && io.inputs[2].data ? &io.inputs[2] : nullptr;
    const TensorView& y = io.outputs[0];
    if (graph::IsSubByteInt(out) || graph::IsMiniFloat(out)) {
      QuantizeSubByte(l, io.inputs[0], io.inputs[1], zp, precision, out, saturate, y.as<uint8_t>());
      return absl::OkStatus();
    }
    switch (out) {
      case DType::kUInt8:
        QuantizeLoop(l, io.inputs[0], io.inputs[1], zp, precision, y.as<uint8_t>());
        break;
      case DType::kInt8:
        QuantizeLoop(l, io.inputs[0], io.inputs[1], zp, precision, y.as<int8_t>());
        break;
      case DType::kUInt16:
        QuantizeLoop(l, io.inputs[0], io.inputs[1], zp, precision, y.as<uint16_t>());
        break;
      default:
        QuantizeLoop(l, io.inputs[0], io.inputs[1], zp, precision, y.as<int16_t>());
        break;
    }
    return absl::OkStatus();
  });
}

void StoreFloat(const TensorView& y, int64_t i, double v) {
  switch (y.dtype) {
    case DType::kFloat32:
      y.as<float>()[i] = static_cast<float>(v);
      break;
    case DType::kFloat16:
      y.as<uint16_t>()[i] = graph::FloatToHalf(static_cast<float>(v));
      break;
    default:
      y.as<uint16_t>()[i] = graph::FloatToBFloat16(static_cast<float>(v));
      break;
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateDequantize(const KernelInfo& info) {
  const DType xt = info.in_dtypes[0], st = info.in_dtypes[1], out = info.out_dtypes[0];
  const bool mini = graph::IsMiniFloat(xt);
  if (xt != DType::kUInt8 && xt != DType::kInt8 && xt != DType::kUInt16 && xt != DType::kInt16 &&
      xt != DType::kInt32 && !graph::IsSubByteInt(xt) && !mini) {
    return info.Unsupported(absl::StrCat("input type ", graph::DTypeName(xt)));
  }
  if (!IsFloatScale(st) || !IsFloatScale(out)) {
    return info.Unsupported(
        absl::StrCat("scale/output type ", graph::DTypeName(st), "/", graph::DTypeName(out)));
  }
  auto layout = MakeLayout(info, info.in_shapes[0], info.in_shapes[1]);
  if (!layout.ok()) return layout.status();
  return MakeFnKernel([l = *layout, xt, mini](const KernelIo& io) -> absl::Status {
    const TensorView &x = io.inputs[0], &scale = io.inputs[1], &y = io.outputs[0];
    const TensorView* zp = io.inputs.size() > 2 && io.inputs[2].data ? &io.inputs[2] : nullptr;
    // Float8 zero points are zero by definition and float4's are ignored (the reference).
    if (mini) zp = nullptr;
    // numpy: float32(x) - zp stays float32 except against an int32 zero point (float64).
    const bool wide = xt == DType::kInt32 && zp != nullptr;
    for (int64_t o = 0; o < l.outer; ++o) {
      for (int64_t di = 0; di < l.d; ++di) {
        const int64_t base = (o * l.d + di) * l.inner;
        for (int64_t i = 0; i < l.inner; ++i) {
          const int64_t s = l.Index(o, di, i);
          const float xf = mini ? static_cast<float>(graph::ReadFloat(x, base + i))
                                : static_cast<float>(graph::ReadInt(x, base + i));
          const double z = zp ? static_cast<double>(graph::ReadInt(*zp, s)) : 0.0;
          const double sc = graph::ReadFloat(scale, s);
          double v =
              wide ? (xf - z) * sc
                   : static_cast<double>((xf - static_cast<float>(z)) * static_cast<float>(sc));
          StoreFloat(y, base + i, v);
        }
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateDynamicQuantize(const KernelInfo& info) {
  if (info.in_dtypes[0] != DType::kFloat32) return info.Unsupported("input must be float32");
  return MakeFnKernel([](const KernelIo& io) -> absl::Status {
    const float* x = io.inputs[0].as<float>();
    const int64_t n = io.inputs[0].numel();
    // The range always includes 0 so that 0 quantizes exactly.
    float maxx = 0.f, minx = 0.f;
    for (int64_t i = 0; i < n; ++i) {
      maxx = x[i] > maxx ? x[i] : maxx;
      minx = x[i] < minx ? x[i] : minx;
    }
    const float scale = (maxx == minx ? 1.f : maxx - minx) / 255.f;
    float zpf = 0.f - minx / scale;
    zpf = zpf < 0.f ? 0.f : zpf > 255.f ? 255.f : zpf;
    const float zp = std::nearbyint(zpf);
    uint8_t* y = io.outputs[0].as<uint8_t>();
    for (int64_t i = 0; i < n; ++i) {
      float v = std::nearbyint(x[i] / scale) + zp;
      y[i] = static_cast<uint8_t>(!(v >= 0.f) ? 0.f : v > 255.f ? 255.f : v);
    }
    if (io.outputs.size() > 1 && io.outputs[1].data) *io.outputs[1].as<float>() = scale;
    if (io.outputs.size() > 2 && io.outputs[2].data)
      *io.outputs[2].as<uint8_t>() = static_cast<uint8_t>(zp);
    return absl::OkStatus();
  });
}

}  // namespace quant_impl

void RegisterQuantKernels(KernelRegistry& r) {
  r.Add({"", "QuantizeLinear", 10, 1000, quant_impl::CreateQuantize});
  r.Add({"", "DequantizeLinear", 10, 1000, quant_impl::CreateDequantize});
  r.Add({"", "DynamicQuantizeLinear", 11, 1000, quant_impl::CreateDynamicQuantize});
  RegisterQGemmKernels(r);
  RegisterQConvKernels(r);
}

}  // namespace socd::cpu
