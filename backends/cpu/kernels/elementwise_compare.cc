// Comparison and logic kernels (Equal Less Greater LessOrEqual GreaterOrEqual, And Or Xor) and
// Where. Bool tensors are bytes holding 0 or 1.
#include <cstdint>
#include <type_traits>

#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/elementwise_impl.h"

SOCD_ELEM_BEGIN
namespace socd::cpu::elementwise_impl {

// ---- Where ----
// Compile-time strides (0 = broadcast scalar, 1 = contiguous) and a mask blend instead of a
// branch (which GCC will not if-convert around loads) keep every combination vectorizable.
template <int SC, int SX, int SY, typename T>
SOCD_HOT_LOOP void WhereLoop(const uint8_t* c, const T* x, const T* y, T* o, int64_t n) {
  if constexpr (std::is_same_v<T, graph::StringElem>) {  // 16-byte views: select, no masks
    for (int64_t i = 0; i < n; ++i) o[i] = c[i * SC] ? x[i * SX] : y[i * SY];
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const T m = static_cast<T>(T(0) - static_cast<T>(c[i * SC] != 0));
      o[i] = static_cast<T>((x[i * SX] & m) | (y[i * SY] & static_cast<T>(~m)));
    }
  }
}

template <typename T>
class WhereKernel : public Kernel {
 public:
  explicit WhereKernel(BcastPlan p) : p_(p) {}
  absl::Status Run(const KernelIo& io) override {
    if (p_.total == 0) return absl::OkStatus();
    const uint8_t* c = io.inputs[0].as<const uint8_t>();
    const T* x = io.inputs[1].as<const T>();
    const T* y = io.inputs[2].as<const T>();
    T* o = io.outputs[0].as<T>();
    const int kind = (p_.inner_contiguous(0) ? 4 : 0) | (p_.inner_contiguous(1) ? 2 : 0) |
                     (p_.inner_contiguous(2) ? 1 : 0);
    Parallel(io, p_.total, kCheapChunk, [&](int64_t b, int64_t e) {
      ForEachRun<3>(p_, b, e, [&](const int64_t* off, int64_t pos, int64_t n) {
        const uint8_t* pc = c + off[0];
        const T* px = x + off[1];
        const T* py = y + off[2];
        T* po = o + pos;
        switch (kind) {
          case 0:
            WhereLoop<0, 0, 0>(pc, px, py, po, n);
            break;
          case 1:
            WhereLoop<0, 0, 1>(pc, px, py, po, n);
            break;
          case 2:
            WhereLoop<0, 1, 0>(pc, px, py, po, n);
            break;
          case 3:
            WhereLoop<0, 1, 1>(pc, px, py, po, n);
            break;
          case 4:
            WhereLoop<1, 0, 0>(pc, px, py, po, n);
            break;
          case 5:
            WhereLoop<1, 0, 1>(pc, px, py, po, n);
            break;
          case 6:
            WhereLoop<1, 1, 0>(pc, px, py, po, n);
            break;
          default:
            WhereLoop<1, 1, 1>(pc, px, py, po, n);
            break;
        }
      });
    });
    return absl::OkStatus();
  }

 private:
  BcastPlan p_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateWhere(const KernelInfo& info) {
  if (auto s = CheckArity(info, 3); !s.ok()) return s;
  if (info.in_dtypes[0] != DType::kBool) return info.Error("condition must be bool");
  if (info.in_dtypes[1] != info.in_dtypes[2]) {
    return info.Error("X and Y have different element types");
  }
  auto plan = MakeBcastPlan(info, {info.in_shapes[0], info.in_shapes[1], info.in_shapes[2]},
                            info.out_shapes[0]);
  if (!plan.ok()) return plan.status();
  // Where only moves elements, so any dtype of a given width selects alike.
  switch (graph::DTypeSize(info.in_dtypes[1])) {
    case 1:
      return std::unique_ptr<Kernel>(new WhereKernel<uint8_t>(*plan));
    case 2:
      return std::unique_ptr<Kernel>(new WhereKernel<uint16_t>(*plan));
    case 4:
      return std::unique_ptr<Kernel>(new WhereKernel<uint32_t>(*plan));
    case 8:
      return std::unique_ptr<Kernel>(new WhereKernel<uint64_t>(*plan));
    case 16:
      return std::unique_ptr<Kernel>(new WhereKernel<graph::StringElem>(*plan));
    default:
      return info.Unsupported(
          absl::StrCat("element type ", graph::DTypeName(info.in_dtypes[1]), " is not supported"));
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateStringEqual(const KernelInfo& info) {
  using S = graph::StringElem;
  return MakeBinary<S, S, uint8_t>(info, [](S a, S b) -> uint8_t { return a == b; });
}

void RegisterCompareKernels(KernelRegistry& r) {
  auto add = [&r](const char* op, int since, KernelFactory f) {
    r.Add({"", op, since, 1000, std::move(f)});
  };
#define SOCD_COMPARE(name, since, set, expr)                                           \
  add(name, since, SameTypeBinary<set>([](const KernelInfo& i, auto t) {               \
        using T = decltype(t);                                                         \
        return MakeBinary<T, T, uint8_t>(i, [](T a, T b) -> uint8_t { return expr; }); \
      }))
  {
    // Equal-19 also compares strings (by content); numeric dtypes go through SameTypeBinary.
    const KernelFactory numeric = SameTypeBinary<kAll>([](const KernelInfo& i, auto t) {
      using T = decltype(t);
      return MakeBinary<T, T, uint8_t>(i, [](T a, T b) -> uint8_t { return a == b; });
    });
    add("Equal", 1, [numeric](const KernelInfo& i) {
      return i.in_dtypes.size() == 2 && i.in_dtypes[0] == DType::kString &&
                     i.in_dtypes[1] == DType::kString
                 ? CreateStringEqual(i)
                 : numeric(i);
    });
  }
  SOCD_COMPARE("Less", 1, kNumeric, a < b);
  SOCD_COMPARE("Greater", 1, kNumeric, a > b);
  SOCD_COMPARE("LessOrEqual", 12, kNumeric, a <= b);
  SOCD_COMPARE("GreaterOrEqual", 12, kNumeric, a >= b);
  SOCD_COMPARE("And", 1, kBool, (a != 0) & (b != 0));
  SOCD_COMPARE("Or", 1, kBool, (a != 0) | (b != 0));
  SOCD_COMPARE("Xor", 1, kBool, (a != 0) ^ (b != 0));
#undef SOCD_COMPARE
  add("Where", 9, CreateWhere);
}

}  // namespace socd::cpu::elementwise_impl
SOCD_ELEM_END
