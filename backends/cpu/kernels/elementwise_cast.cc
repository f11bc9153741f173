// Cast and CastLike between bool, the integer types, float16, bfloat16, float and double.
// Float to integer conversions truncate toward zero and saturate at the target's range (NaN
// gives 0) instead of the undefined behaviour a plain C++ cast has out of range. Integer
// narrowing wraps (two's complement), floats round to nearest even.
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/elementwise_impl.h"
#include "backends/cpu/kernels/elementwise_math.h"
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

template <typename T>
constexpr bool kIsHalf = std::is_same_v<T, F16> || std::is_same_v<T, BF16>;

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
    default:
      return Dispatch<kAll>(info, t, fn);
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateCast(const KernelInfo& info) {
  if (auto s = CheckArity(info, 1); !s.ok()) return s;
  const DType from = info.in_dtypes[0], to = info.out_dtypes[0];
  if (from == DType::kString || to == DType::kString) {
    return info.Unsupported("string tensors are not supported");
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
      return MakeCast<From, To>();
    });
  });
}

void RegisterCastKernels(KernelRegistry& r) {
  r.Add({"", "Cast", 1, 1000, CreateCast});
  r.Add({"", "CastLike", 15, 1000, CreateCast});
}

}  // namespace socd::cpu::elementwise_impl
SOCD_ELEM_END
