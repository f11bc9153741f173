// Variadic kernels with multidirectional broadcast: Max Min Sum Mean. Input 0 and 1 combine into
// the output, every further input folds into the output in place.
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/elementwise_impl.h"

SOCD_ELEM_BEGIN
namespace socd::cpu::elementwise_impl {

template <typename T, typename Op>
class VariadicKernel : public Kernel {
 public:
  VariadicKernel(std::vector<BcastPlan> plans, Op op, bool mean)
      : plans_(std::move(plans)), op_(op), mean_(mean) {}

  absl::Status Run(const KernelIo& io) override {
    T* y = io.outputs[0].as<T>();
    const int64_t n = io.outputs[0].numel();
    if (n == 0) return absl::OkStatus();
    const size_t inputs = io.inputs.size();
    if (inputs == 1) {
      std::memcpy(y, io.inputs[0].data, static_cast<size_t>(n) * sizeof(T));
      return absl::OkStatus();
    }
    RunBinary(io, plans_[0], io.inputs[0].as<const T>(), io.inputs[1].as<const T>(), y, op_,
              kCheapChunk);
    for (size_t k = 2; k < inputs; ++k) {
      RunBinary(io, plans_[k - 1], static_cast<const T*>(y), io.inputs[k].as<const T>(), y, op_,
                kCheapChunk);
    }
    if (mean_) {
      const T scale = T(1) / static_cast<T>(inputs);
      Parallel(io, n, kCheapChunk, [&](int64_t b, int64_t e) {
        UnaryLoop(static_cast<const T*>(y + b), y + b, e - b, [scale](T v) { return v * scale; });
      });
    }
    return absl::OkStatus();
  }

 private:
  std::vector<BcastPlan> plans_;
  Op op_;
  bool mean_;
};

template <unsigned Set, typename Make>
KernelFactory Variadic(Make make, bool mean) {
  return ViaFloat([make, mean](const KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    if (auto s = CheckArity(info, 1); !s.ok()) return s;
    for (size_t i = 0; i < info.in_dtypes.size(); ++i) {
      if (!info.has_input(i)) return info.Error(absl::StrCat("input ", i, " is missing"));
      if (info.in_dtypes[i] != info.in_dtypes[0]) {
        return info.Error("inputs have different element types");
      }
    }
    std::vector<BcastPlan> plans;
    for (size_t k = 1; k < info.in_dtypes.size(); ++k) {
      const Shape& first = k == 1 ? info.in_shapes[0] : info.out_shapes[0];
      auto p = MakeBcastPlan(info, {first, info.in_shapes[k]}, info.out_shapes[0]);
      if (!p.ok()) return p.status();
      plans.push_back(*p);
    }
    if (info.in_dtypes.size() == 1 && info.in_shapes[0] != info.out_shapes[0]) {
      return info.Error("output shape differs from the single input's");
    }
    return Dispatch<Set>(info, info.in_dtypes[0], [&](auto t) {
      using T = decltype(t);
      auto op = make(t);
      return absl::StatusOr<std::unique_ptr<Kernel>>(
          std::make_unique<VariadicKernel<T, decltype(op)>>(std::move(plans), op, mean));
    });
  });
}

void RegisterVariadicKernels(KernelRegistry& r) {
  // Max/Min propagate NaN from either side, as numpy's maximum/minimum do.
  r.Add({"", "Max", 1, 1000,
         Variadic<kNumeric>(
             [](auto t) {
               using T = decltype(t);
               return [](T a, T b) { return (a < b || b != b) ? b : a; };
             },
             false)});
  r.Add({"", "Min", 1, 1000,
         Variadic<kNumeric>(
             [](auto t) {
               using T = decltype(t);
               return [](T a, T b) { return (b < a || b != b) ? b : a; };
             },
             false)});
  r.Add({"", "Sum", 1, 1000,
         Variadic<kNumeric>(
             [](auto t) {
               using T = decltype(t);
               return [](T a, T b) {
                 if constexpr (std::is_integral_v<T>) {
                   using U = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;
                   return static_cast<T>(U(a) + U(b));
                 } else {
                   return a + b;
                 }
               };
             },
             false)});
  r.Add({"", "Mean", 1, 1000,
         Variadic<kFloats>(
             [](auto t) {
               using T = decltype(t);
               return [](T a, T b) { return a + b; };
             },
             true)});
}

}  // namespace socd::cpu::elementwise_impl
SOCD_ELEM_END
