// Broadcasting arithmetic kernels: Add Sub Mul Div Pow Mod, BitShift, Bitwise{And,Or,Xor}, PRelu.
#include <cstdint>
#include <string>
#include <type_traits>

#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/elementwise_impl.h"

SOCD_ELEM_BEGIN
namespace socd::cpu::elementwise_impl {

// Integer arithmetic is done in unsigned types so overflow wraps instead of being undefined
// (and so small types are not promoted to a signed int that could overflow).
template <typename T>
using Wide = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;

template <typename T>
T AddOp(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(Wide<T>(a) + Wide<T>(b));
  else
    return a + b;
}
template <typename T>
T SubOp(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(Wide<T>(a) - Wide<T>(b));
  else
    return a - b;
}
template <typename T>
T MulOp(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(Wide<T>(a) * Wide<T>(b));
  else
    return a * b;
}
template <typename T>
T DivOp(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    // C truncation. x/0 gives 0 and MIN/-1 wraps rather than trapping the process.
    if (b == 0) return 0;
    if constexpr (std::is_signed_v<T>) {
      if (b == -1) return static_cast<T>(Wide<T>(0) - Wide<T>(a));
    }
    return static_cast<T>(a / b);
  } else {
    return a / b;
  }
}

template <typename T>
T ModOp(T a, T b, bool c_fmod) {
  if constexpr (std::is_integral_v<T>) {
    if (b == 0) return 0;
    if constexpr (std::is_signed_v<T>) {
      if (b == -1) return 0;
      T r = static_cast<T>(a % b);
      // fmod=0 takes the divisor's sign (Python's %), fmod=1 the dividend's (C's %).
      if (!c_fmod && r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
      return r;
    } else {
      return static_cast<T>(a % b);
    }
  } else {
    T r;
    if constexpr (std::is_same_v<T, float>)
      r = __builtin_fmodf(a, b);
    else
      r = __builtin_fmod(a, b);
    if (!c_fmod && r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  }
}

template <typename T>
T SaturatingFromDouble(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (v != v) return 0;
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) {
      return std::numeric_limits<T>::lowest();
    }
    if (v >= static_cast<double>(std::numeric_limits<T>::max()))
      return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  } else {
    return static_cast<T>(v);
  }
}

template <typename T, typename E>
T PowOp(T a, E b) {
  if constexpr (std::is_integral_v<T> && std::is_integral_v<E>) {
    if constexpr (std::is_signed_v<E>) {
      if (b < 0) {
        // Only |a| == 1 keeps an integral part: a^-n truncates to 0 otherwise.
        if (a == 1) return 1;
        if constexpr (std::is_signed_v<T>) {
          if (a == -1) return (b % 2 == 0) ? 1 : -1;
        }
        return 0;
      }
    }
    Wide<T> r = 1, base = static_cast<Wide<T>>(a);
    for (auto e = static_cast<std::make_unsigned_t<E>>(b); e != 0; e >>= 1) {
      if (e & 1) r = static_cast<Wide<T>>(r * base);
      base = static_cast<Wide<T>>(base * base);
    }
    return static_cast<T>(r);
  } else if constexpr (std::is_same_v<T, float> && !std::is_same_v<E, double>) {
    return __builtin_powf(a, static_cast<float>(b));
  } else {
    return SaturatingFromDouble<T>(__builtin_pow(static_cast<double>(a), static_cast<double>(b)));
  }
}

// Pow with a constant scalar exponent that has a cheap exact form (x^2 in LayerNorm variance,
// x^3 in tanh-GELU, x^0.5): a unary kernel. Returns null when there is no such form.
template <typename T>
std::unique_ptr<Kernel> PowByConstant(const KernelInfo& info) {
  if constexpr (!std::is_floating_point_v<T>) {
    return nullptr;
  } else {
    const TensorView& e = info.in_consts[1];
    if (e.data == nullptr || e.numel() != 1 ||
        info.in_shapes[1].size() > info.in_shapes[0].size()) {
      return nullptr;
    }
    const double v = ScalarAsDouble(e);
    if (v == 1) return *MakeUnary<T, T>([](T x) { return x; });
    if (v == 2) return *MakeUnary<T, T>([](T x) { return x * x; });
    if (v == 3) return *MakeUnary<T, T>([](T x) { return x * x * x; });
    if (v == -1) return *MakeUnary<T, T>([](T x) { return T(1) / x; });
    if (v == 0.5) {
      return *MakeUnary<T, T>([](T x) {
        if constexpr (std::is_same_v<T, float>)
          return __builtin_sqrtf(x);
        else
          return __builtin_sqrt(x);
      });
    }
    return nullptr;
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> CreatePow(const KernelInfo& info) {
  if (auto s = CheckArity(info, 2); !s.ok()) return s;
  if (info.node.opset < 12 && info.in_dtypes[0] != info.in_dtypes[1]) {
    return info.Error("inputs have different element types");
  }
  return Dispatch<kNumeric>(info, info.in_dtypes[0],
                            [&](auto t) -> absl::StatusOr<std::unique_ptr<Kernel>> {
                              using T = decltype(t);
                              if (auto k = PowByConstant<T>(info)) return k;
                              return Dispatch<kNumeric>(info, info.in_dtypes[1], [&](auto e) {
                                using E = decltype(e);
                                return MakeBinary<T, E, T>(
                                    info, [](T a, E b) { return PowOp<T, E>(a, b); }, kMathChunk);
                              });
                            });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateBitShift(const KernelInfo& info) {
  const std::string dir = info.node.GetString("direction", "");
  if (dir != "LEFT" && dir != "RIGHT") {
    return info.Error(absl::StrCat("direction must be \"LEFT\" or \"RIGHT\", got \"", dir, "\""));
  }
  const bool left = dir == "LEFT";
  return SameTypeBinary<kUnsigned>([left](const KernelInfo& i, auto t) {
    using T = decltype(t);
    constexpr T kBits = sizeof(T) * 8;
    // Shifting by the type's width or more gives 0 (it is undefined in C++).
    if (left) {
      return MakeBinary<T, T, T>(i, [](T a, T b) { return b >= kBits ? T(0) : T(a << b); });
    }
    return MakeBinary<T, T, T>(i, [](T a, T b) { return b >= kBits ? T(0) : T(a >> b); });
  })(info);
}

void RegisterBinaryKernels(KernelRegistry& r) {
  auto add = [&r](const char* op, int since, KernelFactory f) {
    r.Add({"", op, since, 1000, std::move(f)});
  };
#define SOCD_ARITH(name, set, expr)                                                   \
  add(name, 1, SameTypeBinary<set>([](const KernelInfo& i, auto t) {                  \
        using T = decltype(t);                                                        \
        return MakeBinary<T, T, T>(i, [](T a, T b) { return static_cast<T>(expr); }); \
      }))
  SOCD_ARITH("Add", kNumeric, AddOp(a, b));
  SOCD_ARITH("Sub", kNumeric, SubOp(a, b));
  SOCD_ARITH("Mul", kNumeric, MulOp(a, b));
  SOCD_ARITH("Div", kNumeric, DivOp(a, b));
  SOCD_ARITH("BitwiseAnd", kInts | kBool, a & b);
  SOCD_ARITH("BitwiseOr", kInts | kBool, a | b);
  SOCD_ARITH("BitwiseXor", kInts | kBool, a ^ b);
#undef SOCD_ARITH
  add("Mod", 10, SameTypeBinary<kNumeric>([](const KernelInfo& i, auto t) {
        using T = decltype(t);
        const bool c_fmod = i.node.GetInt("fmod", 0) != 0;
        return MakeBinary<T, T, T>(i, [c_fmod](T a, T b) { return ModOp(a, b, c_fmod); });
      }));
  add("PRelu", 1, SameTypeBinary<kFloats | kInts>([](const KernelInfo& i, auto t) {
        using T = decltype(t);
        return MakeBinary<T, T, T>(i, [](T x, T slope) {
          if constexpr (std::is_unsigned_v<T>) {
            return x;
          } else {
            return x < T(0) ? MulOp(x, slope) : x;
          }
        });
      }));
  add("Pow", 1, ViaFloat(CreatePow));
  add("BitShift", 11, CreateBitShift);
}

}  // namespace socd::cpu::elementwise_impl
SOCD_ELEM_END
