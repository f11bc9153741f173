// CPU kernels for Reduce*. Each node is planned once: the input's dims are merged into runs
// that are all reduced or all kept, so any axes set becomes either "reduce contiguous rows"
// (the last run is reduced) or "accumulate whole rows into a vector" (the last run is kept).
// float32 runs the eight-lane loops of reduce_f32.cc; other dtypes share the same plan with
// scalar loops.
#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/reduce_kernels.h"
#include "backends/cpu/kernels/reduce_plan.h"
#include "graph/tensor.h"

namespace socd::cpu {
namespace reduce_impl {

Offsets MakeOffsets(const std::vector<std::pair<int64_t, int64_t>>& dims) {
  Offsets o;
  if (dims.size() <= 1) {
    if (!dims.empty()) std::tie(o.n, o.stride) = dims[0];
    return o;
  }
  o.table.push_back(0);
  for (auto [size, stride] : dims) {
    std::vector<int64_t> next;
    next.reserve(o.table.size() * size);
    for (int64_t base : o.table)
      for (int64_t i = 0; i < size; ++i) next.push_back(base + i * stride);
    o.table.swap(next);
  }
  o.n = static_cast<int64_t>(o.table.size());
  return o;
}

Plan MakePlan(const Shape& in, const std::vector<bool>& reduced) {
  Plan p;
  p.count = 1;
  p.out_numel = 1;
  for (size_t d = 0; d < in.size(); ++d) (reduced[d] ? p.count : p.out_numel) *= in[d];
  if (p.count == 0 || p.out_numel == 0) return p;  // outputs get the identity (or nothing)
  std::vector<int64_t> dims;
  std::vector<bool> red;
  for (size_t d = 0; d < in.size(); ++d) {
    if (in[d] == 1) continue;
    if (!dims.empty() && red.back() == reduced[d]) {
      dims.back() *= in[d];
    } else {
      dims.push_back(in[d]);
      red.push_back(reduced[d]);
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    red.push_back(false);
  }
  std::vector<int64_t> stride(dims.size(), 1);
  for (size_t d = dims.size() - 1; d > 0; --d) stride[d - 1] = stride[d] * dims[d];
  std::vector<std::pair<int64_t, int64_t>> kept, redd;
  for (size_t d = 0; d + 1 < dims.size(); ++d)
    (red[d] ? redd : kept).push_back({dims[d], stride[d]});
  p.row_mode = red.back();
  p.inner = dims.back();
  p.obase = MakeOffsets(kept);
  p.roff = MakeOffsets(redd);
  return p;
}

// Generic engine: any dtype, any op except LogSumExp.
template <Op op, typename T>
void RunGeneric(const Plan& p, const T* x, T* y, ThreadPool* pool) {
  using P = Policy<op, T>;
  using A = typename P::A;
  if (p.count == 0) {
    for (int64_t o = 0; o < p.out_numel; ++o) y[o] = P::Final(P::Init(), 0);
    return;
  }
  if (p.out_numel == 0) return;
  if (p.row_mode) {
    Parallel(pool, p.obase.size(), p.count, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        A acc = P::Init();
        for (int64_t r = 0; r < p.roff.size(); ++r) {
          const T* s = x + p.obase[o] + p.roff[r];
          for (int64_t j = 0; j < p.inner; ++j) acc = P::Comb(acc, P::Map(s[j]));
        }
        y[o] = P::Final(acc, p.count);
      }
    });
    return;
  }
  const int64_t blocks = (p.inner + kColBlock - 1) / kColBlock;
  Parallel(pool, p.obase.size() * blocks, p.count * std::min(p.inner, kColBlock),
           [&](int64_t b, int64_t e) {
             std::vector<A> acc(std::min(p.inner, kColBlock));
             for (int64_t t = b; t < e; ++t) {
               int64_t o = t / blocks, i0 = (t % blocks) * kColBlock;
               int64_t len = std::min(kColBlock, p.inner - i0);
               std::fill(acc.begin(), acc.begin() + len, P::Init());
               for (int64_t r = 0; r < p.roff.size(); ++r) {
                 const T* s = x + p.obase[o] + p.roff[r] + i0;
                 for (int64_t i = 0; i < len; ++i) acc[i] = P::Comb(acc[i], P::Map(s[i]));
               }
               for (int64_t i = 0; i < len; ++i)
                 y[o * p.inner + i0 + i] = P::Final(acc[i], p.count);
             }
           });
}

// log(sum(exp(x))) with the max subtracted first so large inputs do not overflow.
template <typename T>
void RunLogSumExp(const Plan& p, const T* x, T* y) {
  if (p.count == 0) {
    for (int64_t o = 0; o < p.out_numel; ++o) y[o] = -std::numeric_limits<T>::infinity();
    return;
  }
  const int64_t outer = p.out_numel == 0 ? 0 : p.obase.size();
  const int64_t per_o = p.row_mode ? 1 : p.inner;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < per_o; ++i) {
      // The elements of this output: run j over the inner run (row mode) or the single i.
      const int64_t j_end = p.row_mode ? p.inner : 1;
      const T* base = x + p.obase[o] + (p.row_mode ? 0 : i);
      T m = -std::numeric_limits<T>::infinity();
      for (int64_t r = 0; r < p.roff.size(); ++r)
        for (int64_t j = 0; j < j_end; ++j) m = std::max(m, base[p.roff[r] + j]);
      T out = m;
      if (std::isfinite(m)) {
        double s = 0;
        for (int64_t r = 0; r < p.roff.size(); ++r)
          for (int64_t j = 0; j < j_end; ++j)
            s += std::exp(static_cast<double>(base[p.roff[r] + j] - m));
        out = static_cast<T>(std::log(s) + m);
      }
      y[o * per_o + i] = out;
    }
  }
}

template <Op op, typename T>
void Dispatch(const Plan& p, const TensorView& x, const TensorView& y, ThreadPool* pool) {
  if constexpr (op == Op::kLogSumExp) {
    RunLogSumExp<T>(p, x.as<T>(), y.as<T>());
  } else if constexpr (std::is_same_v<T, float> && op != Op::kProd) {
    if (p.count == 0 || p.out_numel == 0) return RunGeneric<op, T>(p, x.as<T>(), y.as<T>(), pool);
    RunF32(op, p, x.as<float>(), y.as<float>(), pool);
  } else {
    RunGeneric<op, T>(p, x.as<T>(), y.as<T>(), pool);
  }
}

using RunFn = void (*)(const Plan&, const TensorView&, const TensorView&, ThreadPool*);

template <Op op>
RunFn PickRun(DType dt) {
  if (dt == DType::kFloat32) return Dispatch<op, float>;
  if (dt == DType::kFloat64) return Dispatch<op, double>;
  if constexpr (op == Op::kLogSum || op == Op::kLogSumExp) {
    return nullptr;  // the ONNX reference rejects integer inputs here
  } else {
    switch (dt) {
      case DType::kInt8:
        return Dispatch<op, int8_t>;
      case DType::kUInt8:
        return Dispatch<op, uint8_t>;
      case DType::kInt16:
        return Dispatch<op, int16_t>;
      case DType::kUInt16:
        return Dispatch<op, uint16_t>;
      case DType::kInt32:
        return Dispatch<op, int32_t>;
      case DType::kUInt32:
        return Dispatch<op, uint32_t>;
      case DType::kInt64:
        return Dispatch<op, int64_t>;
      case DType::kUInt64:
        return Dispatch<op, uint64_t>;
      case DType::kBool:
        if constexpr (op == Op::kMax || op == Op::kMin) return Dispatch<op, bool>;
        return nullptr;
      default:
        return nullptr;
    }
  }
}

RunFn PickRun(Op op, DType dt) {
  switch (op) {
    case Op::kSum:
      return PickRun<Op::kSum>(dt);
    case Op::kMean:
      return PickRun<Op::kMean>(dt);
    case Op::kMax:
      return PickRun<Op::kMax>(dt);
    case Op::kMin:
      return PickRun<Op::kMin>(dt);
    case Op::kProd:
      return PickRun<Op::kProd>(dt);
    case Op::kL1:
      return PickRun<Op::kL1>(dt);
    case Op::kL2:
      return PickRun<Op::kL2>(dt);
    case Op::kLogSum:
      return PickRun<Op::kLogSum>(dt);
    case Op::kLogSumExp:
      return PickRun<Op::kLogSumExp>(dt);
    case Op::kSumSquare:
      return PickRun<Op::kSumSquare>(dt);
  }
  return nullptr;
}

// Which input dims are reduced, from axes (attribute or input 1) and noop_with_empty_axes.
absl::StatusOr<std::vector<bool>> ReducedDims(const graph::Node& n, const Shape& in,
                                              const TensorView* axes_input) {
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes;
  if (axes_input) {
    for (int64_t i = 0; i < axes_input->numel(); ++i)
      axes.push_back(graph::ReadInt(*axes_input, i));
  } else {
    axes = n.GetInts("axes");
  }
  std::vector<bool> reduced(rank, false);
  if (axes.empty()) {
    if (n.GetInt("noop_with_empty_axes", 0) == 0) reduced.assign(rank, true);
    return reduced;
  }
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) {
      return absl::InvalidArgumentError(
          absl::StrCat(n.Describe(), ": axis ", a, " is out of range for rank ", rank));
    }
    reduced[a < 0 ? a + rank : a] = true;
  }
  return reduced;
}

class ReduceKernel : public Kernel {
 public:
  // `narrow`: float16/bfloat16 data, reduced by the float32 `run` on widened copies (more
  // accurate than accumulating in 16 bits, and one engine for every float type).
  ReduceKernel(const graph::Node& n, Shape in, RunFn run, bool axes_from_input,
               DType narrow = DType::kUndefined)
      : node_(n),
        in_(std::move(in)),
        run_(run),
        axes_from_input_(axes_from_input),
        narrow_(narrow) {}

  absl::Status PlanFor(const TensorView* axes) {
    auto reduced = ReducedDims(node_, in_, axes);
    if (!reduced.ok()) return reduced.status();
    plan_ = MakePlan(in_, *reduced);
    planned_ = true;
    return absl::OkStatus();
  }

  absl::Status Run(const KernelIo& io) override {
    // Axes only known at run time (the dynamic path, which rebuilds kernels per run anyway).
    if (!planned_) {
      if (auto s = PlanFor(axes_from_input_ ? &io.inputs[1] : nullptr); !s.ok()) return s;
      planned_ = false;
    }
    if (plan_.out_numel != io.outputs[0].numel()) {
      return absl::InternalError(absl::StrCat(node_.Describe(), ": output has ",
                                              io.outputs[0].numel(), " elements, expected ",
                                              plan_.out_numel));
    }
    if (narrow_ == DType::kUndefined) {
      run_(plan_, io.inputs[0], io.outputs[0], io.pool);
      return absl::OkStatus();
    }
    const TensorView& x = io.inputs[0];
    const TensorView& y = io.outputs[0];
    const bool half = narrow_ == DType::kFloat16;
    const auto* xs = x.as<uint16_t>();
    wide_x_.resize(static_cast<size_t>(x.numel()));
    wide_y_.resize(static_cast<size_t>(y.numel()));
    for (size_t i = 0; i < wide_x_.size(); ++i)
      wide_x_[i] = half ? graph::HalfToFloat(xs[i]) : graph::BFloat16ToFloat(xs[i]);
    run_(plan_, {DType::kFloat32, x.shape, wide_x_.data()},
         {DType::kFloat32, y.shape, wide_y_.data()}, io.pool);
    auto* ys = y.as<uint16_t>();
    for (size_t i = 0; i < wide_y_.size(); ++i)
      ys[i] = half ? graph::FloatToHalf(wide_y_[i]) : graph::FloatToBFloat16(wide_y_[i]);
    return absl::OkStatus();
  }

 private:
  const graph::Node& node_;
  Shape in_;
  RunFn run_;
  bool axes_from_input_;
  bool planned_ = false;
  Plan plan_;
  DType narrow_;
  std::vector<float> wide_x_, wide_y_;  // narrow_ set: the widened input and output
};

KernelFactory MakeReduceFactory(Op op) {
  return [op](const KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    const DType dt = info.in_dtypes[0];
    const bool narrow = dt == DType::kFloat16 || dt == DType::kBFloat16;
    RunFn run = PickRun(op, narrow ? DType::kFloat32 : dt);
    if (!run) {
      return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
    }
    const bool from_input = info.has_input(1);
    if (from_input && !graph::IsInteger(info.in_dtypes[1]))
      return info.Error("axes must be integers");
    auto k = std::make_unique<ReduceKernel>(info.node, info.in_shapes[0], run, from_input,
                                            narrow ? dt : DType::kUndefined);
    const bool known = !from_input || info.in_consts[1].data != nullptr ||
                       graph::NumElements(info.in_shapes[1]) == 0;
    if (known) {
      TensorView empty{DType::kInt64, {0}, nullptr};
      const TensorView* axes = !from_input              ? nullptr
                               : info.in_consts[1].data ? &info.in_consts[1]
                                                        : &empty;
      if (auto s = k->PlanFor(axes); !s.ok()) return s;
    }
    return std::unique_ptr<Kernel>(std::move(k));
  };
}

}  // namespace reduce_impl

void RegisterReduceKernels(KernelRegistry& r) {
  using reduce_impl::Op;
  const std::pair<const char*, Op> ops[] = {{"ReduceSum", Op::kSum},
                                            {"ReduceMean", Op::kMean},
                                            {"ReduceMax", Op::kMax},
                                            {"ReduceMin", Op::kMin},
                                            {"ReduceProd", Op::kProd},
                                            {"ReduceL1", Op::kL1},
                                            {"ReduceL2", Op::kL2},
                                            {"ReduceLogSum", Op::kLogSum},
                                            {"ReduceLogSumExp", Op::kLogSumExp},
                                            {"ReduceSumSquare", Op::kSumSquare}};
  for (const auto& [name, op] : ops) r.Add({"", name, 1, 1000, reduce_impl::MakeReduceFactory(op)});
  RegisterArgReduceKernels(r);
  RegisterSoftmaxKernels(r);
}

}  // namespace socd::cpu
