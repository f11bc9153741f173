// Activation kernels: Relu and its relatives, Sigmoid/Tanh/GELU families, Clip.
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/elementwise_impl.h"
#include "backends/cpu/kernels/elementwise_math.h"

SOCD_ELEM_BEGIN
namespace socd::cpu::elementwise_impl {

// An activation over float/double (float16 via float32) built from the node's attributes:
// make(info) returns a generic callable.
template <unsigned Set, typename Make>
KernelFactory Activation(Make make, int64_t chunk = kMathChunk) {
  return ViaFloat([make, chunk](const KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    if (auto s = CheckArity(info, 1); !s.ok()) return s;
    auto fn = make(info.node);
    return Dispatch<Set>(info, info.in_dtypes[0], [&](auto t) {
      using T = decltype(t);
      return MakeUnary<T, T>(fn, chunk);
    });
  });
}

template <typename T>
T Softplus(T x) {
  // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|), with log1p(u) computed as
  // log(w) * u / (w - 1), w = 1 + u, which cancels the rounding of 1 + u (Goldberg).
  const T u = Exp(-Abs(x));
  const T w = T(1) + u;
  const T l = w == T(1) ? u : Log(w) * u / (w - T(1));
  return Max(x, T(0)) + l;
}

template <typename T>
class ClipKernel : public Kernel {
 public:
  ClipKernel(T lo, T hi) : lo_(lo), hi_(hi) {}
  absl::Status Run(const KernelIo& io) override {
    T lo = lo_, hi = hi_;
    if (io.inputs.size() > 1 && io.inputs[1].data != nullptr) {
      lo = static_cast<T>(ScalarAsDouble(io.inputs[1]));
    }
    if (io.inputs.size() > 2 && io.inputs[2].data != nullptr) {
      hi = static_cast<T>(ScalarAsDouble(io.inputs[2]));
    }
    const T* x = io.inputs[0].as<const T>();
    T* y = io.outputs[0].as<T>();
    // min > max sets everything to max, as the spec asks: clamp to lo first, then hi.
    auto clip = [lo, hi](T v) {
      v = v < lo ? lo : v;
      return v > hi ? hi : v;
    };
    Parallel(io, io.outputs[0].numel(), kCheapChunk,
             [&](int64_t b, int64_t e) { UnaryLoop(x + b, y + b, e - b, clip); });
    return absl::OkStatus();
  }

 private:
  T lo_, hi_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateClip(const KernelInfo& info) {
  if (auto s = CheckArity(info, 1); !s.ok()) return s;
  for (size_t i = 1; i < 3; ++i) {
    if (info.has_input(i) && graph::NumElements(info.in_shapes[i]) != 1) {
      return info.Error(absl::StrCat("input ", i, " (", i == 1 ? "min" : "max",
                                     ") must be a scalar, got shape ",
                                     graph::ShapeToString(info.in_shapes[i])));
    }
  }
  return Dispatch<kNumeric>(info, info.in_dtypes[0], [&](auto t) {
    using T = decltype(t);
    T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
    // Clip-6 carries its bounds as attributes (the canonicalizer may have made them inputs).
    if (info.node.HasAttr("min")) lo = static_cast<T>(info.node.GetFloat("min", 0));
    if (info.node.HasAttr("max")) hi = static_cast<T>(info.node.GetFloat("max", 0));
    return absl::StatusOr<std::unique_ptr<Kernel>>(std::make_unique<ClipKernel<T>>(lo, hi));
  });
}

void RegisterActivationKernels(KernelRegistry& r) {
  using N = const graph::Node&;
  auto add = [&r](const char* op, int since, KernelFactory f) {
    r.Add({"", op, since, 1000, std::move(f)});
  };
  add("Relu", 1,
      Activation<kFloats | kSigned>([](N) { return [](auto x) { return Max(x, decltype(x)(0)); }; },
                                    kCheapChunk));
  add("Tanh", 1, Activation<kFloats>([](N) { return [](auto x) { return Tanh(x); }; }));
  add("Sigmoid", 1, Activation<kFloats>([](N) { return [](auto x) { return Sigmoid(x); }; }));
  add("LeakyRelu", 1,
      Activation<kFloats>(
          [](N n) {
            const float a = n.GetFloat("alpha", 0.01f);
            return [a](auto x) { return x < 0 ? decltype(x)(a) * x : x; };
          },
          kCheapChunk));
  add("Elu", 1, Activation<kFloats>([](N n) {
        const float a = n.GetFloat("alpha", 1.f);
        return [a](auto x) {
          using T = decltype(x);
          return x < 0 ? T(a) * (Exp(x) - T(1)) : x;
        };
      }));
  add("Selu", 1, Activation<kFloats>([](N n) {
        const float a = n.GetFloat("alpha", 1.67326319217681884765625f);
        const float g = n.GetFloat("gamma", 1.05070102214813232421875f);
        return [a, g](auto x) {
          using T = decltype(x);
          return x <= 0 ? T(g) * (T(a) * Exp(x) - T(a)) : T(g) * x;
        };
      }));
  add("Celu", 12, Activation<kFloats>([](N n) {
        const float a = n.GetFloat("alpha", 1.f);
        return [a](auto x) {
          using T = decltype(x);
          return Max(x, T(0)) + Min(T(0), T(a) * (Exp(x / T(a)) - T(1)));
        };
      }));
  add("HardSigmoid", 1,
      Activation<kFloats>(
          [](N n) {
            const float a = n.GetFloat("alpha", 0.2f), b = n.GetFloat("beta", 0.5f);
            return [a, b](auto x) {
              using T = decltype(x);
              return Max(T(0), Min(T(1), T(a) * x + T(b)));
            };
          },
          kCheapChunk));
  add("HardSwish", 14,
      Activation<kFloats>(
          [](N) {
            return [](auto x) {
              using T = decltype(x);
              return x * Max(T(0), Min(T(1), x * T(1.0 / 6.0) + T(0.5)));
            };
          },
          kCheapChunk));
  add("Softplus", 1, Activation<kFloats>([](N) { return [](auto x) { return Softplus(x); }; }));
  add("Softsign", 1,
      Activation<kFloats>([](N) { return [](auto x) { return x / (decltype(x)(1) + Abs(x)); }; },
                          kCheapChunk));
  add("Mish", 18,
      Activation<kFloats>([](N) { return [](auto x) { return x * Tanh(Softplus(x)); }; }));
  add("Swish", 24, Activation<kFloats>([](N n) {
        const float a = n.GetFloat("alpha", 1.f);
        return [a](auto x) { return x * Sigmoid(decltype(x)(a) * x); };
      }));
  add("ThresholdedRelu", 10,
      Activation<kFloats>(
          [](N n) {
            const float a = n.GetFloat("alpha", 1.f);
            return [a](auto x) { return x > decltype(x)(a) ? x : decltype(x)(0); };
          },
          kCheapChunk));
  add("Gelu", 20, ViaFloat([](const KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
        if (auto s = CheckArity(info, 1); !s.ok()) return s;
        const std::string approx = info.node.GetString("approximate", "none");
        if (approx != "none" && approx != "tanh") {
          return info.Error(
              absl::StrCat("approximate must be 'none' or 'tanh', got '", approx, "'"));
        }
        const bool use_tanh = approx == "tanh";
        return Dispatch<kFloats>(info, info.in_dtypes[0], [&](auto t) {
          using T = decltype(t);
          if (use_tanh) {
            return MakeUnary<T, T>(
                [](T x) {
                  const T k = T(0.7978845608028654);  // sqrt(2/pi)
                  return T(0.5) * x * (T(1) + Tanh(k * (x + T(0.044715) * x * x * x)));
                },
                kMathChunk);
          }
          return MakeUnary<T, T>(
              [](T x) { return T(0.5) * x * (T(1) + Erf(x * T(0.7071067811865476))); }, kMathChunk);
        });
      }));
  add("Clip", 1, ViaFloat(CreateClip));
}

}  // namespace socd::cpu::elementwise_impl
SOCD_ELEM_END
