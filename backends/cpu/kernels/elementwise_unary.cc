// Unary math kernels: Abs Neg Sign, Exp Log Sqrt Reciprocal, Floor Ceil Round, trigonometric
// and hyperbolic functions, Erf, IsNaN IsInf, Not, BitwiseNot.
#include <cstdint>
#include <type_traits>

#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/elementwise_impl.h"
#include "backends/cpu/kernels/elementwise_math.h"

SOCD_ELEM_BEGIN
namespace socd::cpu::elementwise_impl {

// Float (and double) math: one generic callable, elementwise, float16 via float32.
template <typename Fn>
KernelFactory FloatMath(Fn fn, int64_t chunk = kMathChunk) {
  return ViaFloat([fn, chunk](const KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    if (auto s = CheckArity(info, 1); !s.ok()) return s;
    return Dispatch<kFloats>(info, info.in_dtypes[0], [&](auto t) {
      using T = decltype(t);
      return MakeUnary<T, T>(fn, chunk);
    });
  });
}

// Same-type math over the dtype set `Set` (integers included).
template <unsigned Set, typename Fn>
KernelFactory TypedMath(Fn fn) {
  return ViaFloat([fn](const KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    if (auto s = CheckArity(info, 1); !s.ok()) return s;
    return Dispatch<Set>(info, info.in_dtypes[0], [&](auto t) {
      using T = decltype(t);
      return MakeUnary<T, T>(fn, kCheapChunk);
    });
  });
}

template <typename T>
T WrapNeg(T x) {
  // Negation in unsigned arithmetic wraps INT_MIN instead of being undefined.
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(std::make_unsigned_t<T>(0) - static_cast<std::make_unsigned_t<T>>(x));
  } else {
    return -x;
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateIsNaN(const KernelInfo& info) {
  if (auto s = CheckArity(info, 1); !s.ok()) return s;
  return Dispatch<kFloats>(info, info.in_dtypes[0], [&](auto t) {
    using T = decltype(t);
    return MakeUnary<T, uint8_t>([](T x) -> uint8_t { return x != x; });
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateIsInf(const KernelInfo& info) {
  if (auto s = CheckArity(info, 1); !s.ok()) return s;
  const bool pos = info.node.GetInt("detect_positive", 1) != 0;
  const bool neg = info.node.GetInt("detect_negative", 1) != 0;
  return Dispatch<kFloats>(info, info.in_dtypes[0], [&](auto t) {
    using T = decltype(t);
    const T inf = std::numeric_limits<T>::infinity();
    const T hi = pos ? inf : std::numeric_limits<T>::quiet_NaN();
    const T lo = neg ? -inf : std::numeric_limits<T>::quiet_NaN();
    return MakeUnary<T, uint8_t>([hi, lo](T x) -> uint8_t { return (x == hi) | (x == lo); });
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateNot(const KernelInfo& info) {
  if (auto s = CheckArity(info, 1); !s.ok()) return s;
  if (info.in_dtypes[0] != DType::kBool) return info.Unsupported("Not takes bool");
  return MakeUnary<uint8_t, uint8_t>([](uint8_t x) -> uint8_t { return x == 0; });
}

void RegisterUnaryKernels(KernelRegistry& r) {
  auto add = [&r](const char* op, int since, KernelFactory f) {
    r.Add({"", op, since, 1000, std::move(f)});
  };
  add("Abs", 1, TypedMath<kNumeric>([](auto x) {
        using T = decltype(x);
        if constexpr (std::is_unsigned_v<T>) {
          return x;
        } else {
          return x < T(0) ? WrapNeg(x) : x;
        }
      }));
  add("Neg", 1, TypedMath<kFloats | kSigned>([](auto x) { return WrapNeg(x); }));
  add("Sign", 9, TypedMath<kNumeric>([](auto x) {
        using T = decltype(x);
        // NaN and zeros pass through unchanged, as numpy's sign does.
        return x > T(0) ? T(1) : (x < T(0) ? static_cast<T>(WrapNeg(T(1))) : x);
      }));
  add("Exp", 1, FloatMath([](auto x) { return Exp(x); }));
  add("Log", 1, FloatMath([](auto x) { return Log(x); }));
  add("Sqrt", 1,
      FloatMath(
          [](auto x) {
            if constexpr (std::is_same_v<decltype(x), float>) {
              return __builtin_sqrtf(x);
            } else {
              return __builtin_sqrt(x);
            }
          },
          kCheapChunk));
  add("Reciprocal", 1, FloatMath([](auto x) { return decltype(x)(1) / x; }, kCheapChunk));
  add("Floor", 1,
      FloatMath(
          [](auto x) {
            if constexpr (std::is_same_v<decltype(x), float>) {
              return __builtin_floorf(x);
            } else {
              return __builtin_floor(x);
            }
          },
          kCheapChunk));
  add("Ceil", 1,
      FloatMath(
          [](auto x) {
            if constexpr (std::is_same_v<decltype(x), float>) {
              return __builtin_ceilf(x);
            } else {
              return __builtin_ceil(x);
            }
          },
          kCheapChunk));
  // nearbyint in the default rounding mode rounds halves to even, as ONNX Round requires.
  add("Round", 11,
      FloatMath(
          [](auto x) {
            if constexpr (std::is_same_v<decltype(x), float>) {
              return __builtin_nearbyintf(x);
            } else {
              return __builtin_nearbyint(x);
            }
          },
          kCheapChunk));
  add("Erf", 9, FloatMath([](auto x) { return Erf(x); }));
#define SOCD_LIBM(name, fn)                                 \
  add(name, 7, FloatMath([](auto x) {                       \
        if constexpr (std::is_same_v<decltype(x), float>) { \
          return __builtin_##fn##f(x);                      \
        } else {                                            \
          return __builtin_##fn(x);                         \
        }                                                   \
      }))
  SOCD_LIBM("Sin", sin);
  SOCD_LIBM("Cos", cos);
  SOCD_LIBM("Tan", tan);
  SOCD_LIBM("Asin", asin);
  SOCD_LIBM("Acos", acos);
  SOCD_LIBM("Atan", atan);
  SOCD_LIBM("Sinh", sinh);
  SOCD_LIBM("Cosh", cosh);
  SOCD_LIBM("Asinh", asinh);
  SOCD_LIBM("Acosh", acosh);
  SOCD_LIBM("Atanh", atanh);
#undef SOCD_LIBM
  add("IsNaN", 9, ViaFloat(CreateIsNaN));
  add("IsInf", 10, ViaFloat(CreateIsInf));
  add("Not", 1, CreateNot);
  add("BitwiseNot", 18, TypedMath<kInts>([](auto x) { return static_cast<decltype(x)>(~x); }));
}

}  // namespace socd::cpu::elementwise_impl
SOCD_ELEM_END
