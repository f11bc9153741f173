// Cast and CastLike between bool, the integer types, float16, bfloat16, float, double and the
// sub-byte types (float8 x4, float8 e8m0, float4 e2m1, int4/uint4/int2/uint2; graph/minifloat.h).
// Float to integer conversions truncate toward zero and saturate at the target's range (NaN
// gives 0) instead of the undefined behaviour a plain C++ cast has out of range, except into
// int4/int2, which keep the low bits as ONNX's reference does. Integer narrowing wraps (two's
// complement), floats round to nearest even; float8 targets honour `saturate` and e8m0 its
// `round_mode`.
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/elementwise_impl.h"
#include "backends/cpu/kernels/elementwise_math.h"
#include "backends/cpu/kernels/string_kernels.h"
#include "graph/minifloat.h"
#include "graph/tensor.h"

SOCD_ELEM_BEGIN
namespace socd::cpu::elementwise_impl {

// 16-bit float storage, told apart from uint16_t by type.
struct F16 {
  uint16_t bits;
};
struct BF16 {
  uint16_t bits;
};

// A float8/float4 code (dtype chosen at run time: the format is a kernel parameter).
struct Mini {
  uint8_t bits;
};
struct E8M0 {
  uint8_t bits;
};
// int4/uint4/int2/uint2, held sign-extended in a byte.
struct SubInt {
  int8_t v;
};

template <typename T>
constexpr bool kIsHalf = std::is_same_v<T, F16> || std::is_same_v<T, BF16>;
template <typename T>
constexpr bool kIsSub =
    std::is_same_v<T, Mini> || std::is_same_v<T, E8M0> || std::is_same_v<T, SubInt>;

// What the sub-byte conversions need to know besides the storage type.
struct CastParams {
  DType from = DType::kUndefined, to = DType::kUndefined;
  bool saturate = true;
  graph::E8M0Round round = graph::E8M0Round::kUp;
};

template <typename From>
auto WidenSub(From v, const CastParams& p) {
  if constexpr (std::is_same_v<From, Mini>) {
    return graph::MiniFloatToFloat(v.bits, p.from);
  } else if constexpr (std::is_same_v<From, E8M0>) {
    return graph::E8M0ToFloat(v.bits);
  } else {
    return static_cast<int64_t>(v.v);
  }
}

template <typename To, typename V>
To NarrowSub(V v, const CastParams& p) {
  if constexpr (std::is_same_v<To, Mini>) {
    return Mini{graph::FloatToMiniFloat(static_cast<float>(v), p.to, p.saturate)};
  } else if constexpr (std::is_same_v<To, E8M0>) {
    return E8M0{graph::FloatToE8M0(static_cast<float>(v), p.saturate, p.round)};
  } else if constexpr (std::is_floating_point_v<V>) {
    return SubInt{graph::FloatToSubByteInt(v, p.to)};
  } else {
    return SubInt{graph::WrapToSubByte(static_cast<int64_t>(v), p.to)};
  }
}

template <typename From>
auto Widen(From v) {
  if constexpr (std::is_same_v<From, F16>) {
    return HalfBitsToFloat(v.bits);
  } else if constexpr (std::is_same_v<From, BF16>) {
    return BFloat16BitsToFloat(v.bits);
  } else {
    return v;
  }
}

template <typename To, typename V>
To Narrow(V v) {
  if constexpr (std::is_same_v<To, F16>) {
    return F16{FloatToHalfBits(static_cast<float>(v))};
  } else if constexpr (std::is_same_v<To, BF16>) {
    return BF16{FloatToBFloat16Bits(static_cast<float>(v))};
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != V(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<V>) {
    if (v != v) return 0;
    // Bounds compared in V: lowest() is exact in any float type; max()+1 is a power of two.
    constexpr V lo = static_cast<V>(std::numeric_limits<To>::lowest());
    constexpr V hi = static_cast<V>(std::numeric_limits<To>::max() / 2 + 1) * V(2);
    if (v <= lo) return std::numeric_limits<To>::lowest();
    if (v >= hi) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

template <typename From, typename To>
SOCD_HOT_LOOP void CastLoop(const From* x, To* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = Narrow<To>(Widen(x[i]));
}

// The common float16 <-> float32 casts take the F16C rows.
template <typename From, typename To>
void CastRow(const From* x, To* y, int64_t n) {
  if constexpr (std::is_same_v<From, F16> && std::is_same_v<To, float>) {
    HalfRowToFloat(reinterpret_cast<const uint16_t*>(x), y, n);
  } else if constexpr (std::is_same_v<From, float> && std::is_same_v<To, F16>) {
    FloatRowToHalf(x, reinterpret_cast<uint16_t*>(y), n);
  } else {
    CastLoop(x, y, n);
  }
}

// Any cast with a sub-byte side: element by element through float (or int64).
template <typename From, typename To>
void CastSubRow(const From* x, To* y, int64_t n, const CastParams& p) {
  for (int64_t i = 0; i < n; ++i) {
    auto w = [&] {
      if constexpr (kIsSub<From>)
        return WidenSub(x[i], p);
      else
        return Widen(x[i]);
    }();
    if constexpr (kIsSub<To>) {
      if constexpr (std::is_same_v<decltype(w), bool>)
        y[i] = NarrowSub<To>(int64_t{w}, p);
      else
        y[i] = NarrowSub<To>(w, p);
    } else {
      y[i] = Narrow<To>(w);
    }
  }
}

template <typename From, typename To>
std::unique_ptr<Kernel> MakeSubCast(CastParams p) {
  return MakeFnKernel([p](const KernelIo& io) {
    const From* x = io.inputs[0].as<const From>();
    To* y = io.outputs[0].as<To>();
    Parallel(io, io.outputs[0].numel(), kMathChunk,
             [&](int64_t b, int64_t e) { CastSubRow(x + b, y + b, e - b, p); });
    return absl::OkStatus();
  });
}

template <typename From, typename To>
std::unique_ptr<Kernel> MakeCast() {
  return MakeFnKernel([](const KernelIo& io) {
    const From* x = io.inputs[0].as<const From>();
    To* y = io.outputs[0].as<To>();
    const int64_t chunk = kIsHalf<From> || kIsHalf<To> ? kMathChunk : kCheapChunk;
    Parallel(io, io.outputs[0].numel(), chunk,
             [&](int64_t b, int64_t e) { CastRow(x + b, y + b, e - b); });
    return absl::OkStatus();
  });
}

// Calls fn(T{}) with the storage type of any castable dtype.
template <typename Fn>
absl::StatusOr<std::unique_ptr<Kernel>> DispatchCast(const KernelInfo& info, DType t, Fn&& fn) {
  switch (t) {
    case DType::kFloat16:
      return fn(F16{});
    case DType::kBFloat16:
      return fn(BF16{});
    case DType::kFloat8E8M0:
      return fn(E8M0{});
    case DType::kInt4:
    case DType::kUInt4:
    case DType::kInt2:
    case DType::kUInt2:
      return fn(SubInt{});
    default:
      if (graph::IsMiniFloat(t)) return fn(Mini{});
      return Dispatch<kAll>(info, t, fn);
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateCast(const KernelInfo& info) {
  if (auto s = CheckArity(info, 1); !s.ok()) return s;
  const DType from = info.in_dtypes[0], to = info.out_dtypes[0];
  if (from == DType::kString || to == DType::kString) return string_kernels::CreateStringCast(info);
  CastParams p;
  p.from = from;
  p.to = to;
  p.saturate = info.node.GetInt("saturate", 1) != 0;
  if (const std::string mode = info.node.GetString("round_mode", "up");
      !graph::ParseE8M0Round(mode, p.round)) {
    return info.Error(absl::StrCat("round_mode '", mode, "' (expected up, down or nearest)"));
  }
  if (from == to) {
    return MakeFnKernel([](const KernelIo& io) {
      if (io.outputs[0].data != io.inputs[0].data && io.outputs[0].bytes() > 0) {
        std::memcpy(io.outputs[0].data, io.inputs[0].data, io.outputs[0].bytes());
      }
      return absl::OkStatus();
    });
  }
  return DispatchCast(info, from, [&](auto f) {
    using From = decltype(f);
    return DispatchCast(info, to, [&](auto t) -> absl::StatusOr<std::unique_ptr<Kernel>> {
      using To = decltype(t);
      if constexpr (kIsSub<From> || kIsSub<To>) {
        return MakeSubCast<From, To>(p);
      } else {
        return MakeCast<From, To>();
      }
    });
  });
}

void RegisterCastKernels(KernelRegistry& r) {
  r.Add({"", "Cast", 1, 1000, CreateCast});
  r.Add({"", "CastLike", 15, 1000, CreateCast});
}

}  // namespace socd::cpu::elementwise_impl
SOCD_ELEM_END
