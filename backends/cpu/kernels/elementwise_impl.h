// Shared machinery of the elementwise kernels (elementwise_*.cc): broadcast plans, the hot
// loops that walk them and dtype dispatch. Only those files include it.
//
// SOCD_HOT_LOOP (simd.h) gives loops GCC's dynamic vectorizer cost model, but the clamps and
// selects in the float math below are only if-converted (and so vectorized) without
// -ftrapping-math. The elementwise files therefore compile inside a per-region optimize pragma
// (SOCD_ELEM_BEGIN/END). GCC does not inline a function compiled with other FP options into such
// a region, so code inside calls builtins and its own helpers (elementwise_impl::Max...), never
// std:: math or <algorithm>.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/simd.h"

#define SOCD_ELEM_BEGIN                \
  _Pragma("GCC push_options") _Pragma( \
      "GCC optimize(\"tree-vectorize\", \"vect-cost-model=dynamic\", \"no-trapping-math\")")
#define SOCD_ELEM_END _Pragma("GCC pop_options")

SOCD_ELEM_BEGIN
namespace socd::cpu::elementwise_impl {

// ---- Broadcast plans ----
// The output's dims, with size-1 dims dropped and neighbours merged wherever every input steps
// through them alike. What is left is a set of rows of `inner` elements in which each input is
// either contiguous (stride 1) or a repeated scalar (stride 0). That one rule gives every fast
// path: equal shapes are one row, a scalar operand is a stride-0 row, [N,C,H,W] + [C,1,1] is
// N*C rows of H*W against a scalar, [..., D] + [D] is rows of D against the same row. Anything
// else walks the rows with per-input strides (the general path).
constexpr int kMaxDims = 12;   // merged dims; deeper broadcasts are reported unsupported
constexpr int kMaxInputs = 3;  // Where has three
struct BcastPlan {
  int64_t total = 0;
  int nd = 0;                                  // >= 1 whenever total > 0
  int64_t dims[kMaxDims] = {};                 // merged output dims; the last one is `inner`
  int64_t strides[kMaxInputs][kMaxDims] = {};  // [input][dim], in elements, 0 = broadcast
  int64_t inner() const { return dims[nd - 1]; }
  bool inner_contiguous(int input) const { return strides[input][nd - 1] != 0; }
};

// Each input shape must broadcast to `out` (shapes already checked by inference). Fails
// (Unsupported) only when more than kMaxDims dims survive merging.
absl::StatusOr<BcastPlan> MakeBcastPlan(const KernelInfo& info, const std::vector<Shape>& inputs,
                                        const Shape& out);

// Legacy (opset < 7) Add/Mul/... with broadcast=1: B's dims align with A's starting at `axis`.
// Returns B's shape padded to A's rank so numpy broadcasting gives the legacy meaning.
Shape LegacyBroadcastShape(const graph::Node& node, const Shape& a, const Shape& b);

// Calls fn(offsets, out_pos, len) for each run of a row within output elements [begin, end).
// offsets[k] is input k's element offset at out_pos.
template <int N, typename Fn>
void ForEachRun(const BcastPlan& p, int64_t begin, int64_t end, Fn&& fn) {
  const int nd = p.nd;
  const int64_t inner = p.inner();
  int64_t row = begin / inner, col = begin % inner;
  int64_t idx[kMaxDims] = {};
  int64_t off[N] = {};
  for (int d = nd - 2; d >= 0; --d) {
    idx[d] = row % p.dims[d];
    row /= p.dims[d];
    for (int k = 0; k < N; ++k) off[k] += idx[d] * p.strides[k][d];
  }
  for (int64_t pos = begin; pos < end;) {
    const int64_t len = inner - col < end - pos ? inner - col : end - pos;
    int64_t o[N];
    for (int k = 0; k < N; ++k) o[k] = off[k] + col * p.strides[k][nd - 1];
    fn(o, pos, len);
    pos += len;
    col = 0;
    for (int d = nd - 2; d >= 0; --d) {
      for (int k = 0; k < N; ++k) off[k] += p.strides[k][d];
      if (++idx[d] < p.dims[d]) break;
      for (int k = 0; k < N; ++k) off[k] -= p.strides[k][d] * p.dims[d];
      idx[d] = 0;
    }
  }
}

// Splits [0, n) over the pool when it is worth it; `min_chunk` is in elements.
template <typename Fn>
void Parallel(const KernelIo& io, int64_t n, int64_t min_chunk, Fn&& fn) {
  if (n <= 0) return;
  if (io.pool == nullptr || io.pool->size() <= 1 || n < 2 * min_chunk) {
    fn(int64_t{0}, n);
    return;
  }
  io.pool->ParallelFor(n, min_chunk, fn);
}

// Elements per parallel chunk: plain arithmetic is memory bound, transcendental math is not.
constexpr int64_t kCheapChunk = 65536;
constexpr int64_t kMathChunk = 16384;

// ---- dtype dispatch ----
// Calls fn(T{}) for the C++ type of `t` if `t` is in the set; otherwise info.Unsupported
// naming the dtype. The set is a template argument so only listed types are instantiated.
enum TypeSet : unsigned {
  kFloats = 1,    // float, double
  kSigned = 2,    // int8..int64
  kUnsigned = 4,  // uint8..uint64
  kBool = 8,
  kInts = kSigned | kUnsigned,
  kNumeric = kFloats | kInts,
  kAll = kNumeric | kBool,
};

template <unsigned Set, typename Fn>
absl::StatusOr<std::unique_ptr<Kernel>> Dispatch(const KernelInfo& info, DType t, Fn&& fn) {
  if constexpr ((Set & kFloats) != 0) {
    if (t == DType::kFloat32) return fn(float{});
    if (t == DType::kFloat64) return fn(double{});
  }
  if constexpr ((Set & kSigned) != 0) {
    if (t == DType::kInt8) return fn(int8_t{});
    if (t == DType::kInt16) return fn(int16_t{});
    if (t == DType::kInt32) return fn(int32_t{});
    if (t == DType::kInt64) return fn(int64_t{});
  }
  if constexpr ((Set & kUnsigned) != 0) {
    if (t == DType::kUInt8) return fn(uint8_t{});
    if (t == DType::kUInt16) return fn(uint16_t{});
    if (t == DType::kUInt32) return fn(uint32_t{});
    if (t == DType::kUInt64) return fn(uint64_t{});
  }
  if constexpr ((Set & kBool) != 0) {
    if (t == DType::kBool) return fn(bool{});
  }
  return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(t), " is not supported"));
}

// Checks the node has at least `n` inputs present and one output.
absl::Status CheckArity(const KernelInfo& info, size_t n);

// Wraps a factory so float16/bfloat16 tensors run through the float32 kernel: inputs are widened
// into scratch buffers, outputs narrowed back (round to nearest even). Other dtypes pass through.
KernelFactory ViaFloat(KernelFactory inner);

// float16 rows to and from float32, vectorized with F16C where the CPU has it.
void HalfRowToFloat(const uint16_t* src, float* dst, int64_t n);
void FloatRowToHalf(const float* src, uint16_t* dst, int64_t n);

// Reads a scalar of any numeric dtype as double (for Clip bounds, Pow exponents).
double ScalarAsDouble(const TensorView& v);

// Registration helpers (one per kernel file), called by RegisterElementwiseKernels.
void RegisterUnaryKernels(KernelRegistry& r);
void RegisterActivationKernels(KernelRegistry& r);
void RegisterBinaryKernels(KernelRegistry& r);
void RegisterCompareKernels(KernelRegistry& r);
void RegisterVariadicKernels(KernelRegistry& r);
void RegisterCastKernels(KernelRegistry& r);

// ---- helpers usable inside SOCD_ELEM regions (fast float math: elementwise_math.h) ----
template <typename T>
inline T Max(T a, T b) {
  return a < b ? b : a;
}
template <typename T>
inline T Min(T a, T b) {
  return b < a ? b : a;
}

// ---- hot loops ----
template <typename A, typename O, typename Op>
SOCD_HOT_LOOP void UnaryLoop(const A* a, O* y, int64_t n, Op op) {
  for (int64_t i = 0; i < n; ++i) y[i] = op(a[i]);
}

template <typename A, typename B, typename O, typename Op>
SOCD_HOT_LOOP void BinaryVV(const A* a, const B* b, O* y, int64_t n, Op op) {
  for (int64_t i = 0; i < n; ++i) y[i] = op(a[i], b[i]);
}
template <typename A, typename B, typename O, typename Op>
SOCD_HOT_LOOP void BinaryVS(const A* a, B b, O* y, int64_t n, Op op) {
  for (int64_t i = 0; i < n; ++i) y[i] = op(a[i], b);
}
template <typename A, typename B, typename O, typename Op>
SOCD_HOT_LOOP void BinarySV(A a, const B* b, O* y, int64_t n, Op op) {
  for (int64_t i = 0; i < n; ++i) y[i] = op(a, b[i]);
}

// Rows too short to vectorize: walk the last two dims inside one call.
template <typename A, typename B, typename O, typename Op>
SOCD_HOT_LOOP void Binary2D(const A* a, int64_t a_row, int64_t a_col, const B* b, int64_t b_row,
                            int64_t b_col, O* y, int64_t rows, int64_t cols, Op op) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      y[r * cols + c] = op(a[r * a_row + c * a_col], b[r * b_row + c * b_col]);
    }
  }
}

// Runs y = op(a, b) over a broadcast plan of two inputs.
template <typename A, typename B, typename O, typename Op>
void RunBinary(const KernelIo& io, const BcastPlan& p, const A* a, const B* b, O* y, Op op,
               int64_t min_chunk) {
  const int64_t inner = p.inner();
  if (inner < 16 && p.nd >= 2) {
    // The plan without its last dim enumerates rows; each run of rows is one Binary2D call.
    BcastPlan rows = p;
    rows.nd = p.nd - 1;
    rows.total = p.total / inner;
    const int64_t ac = p.strides[0][p.nd - 1], bc = p.strides[1][p.nd - 1];
    const int64_t ar = p.strides[0][p.nd - 2], br = p.strides[1][p.nd - 2];
    Parallel(io, rows.total, min_chunk / inner + 1, [&](int64_t begin, int64_t end) {
      ForEachRun<2>(rows, begin, end, [&](const int64_t* off, int64_t pos, int64_t len) {
        Binary2D(a + off[0], ar, ac, b + off[1], br, bc, y + pos * inner, len, inner, op);
      });
    });
    return;
  }
  const bool va = p.inner_contiguous(0), vb = p.inner_contiguous(1);
  Parallel(io, p.total, min_chunk, [&](int64_t begin, int64_t end) {
    ForEachRun<2>(p, begin, end, [&](const int64_t* off, int64_t pos, int64_t len) {
      if (va && vb) {
        BinaryVV(a + off[0], b + off[1], y + pos, len, op);
      } else if (va) {
        BinaryVS(a + off[0], b[off[1]], y + pos, len, op);
      } else if (vb) {
        BinarySV(a[off[0]], b + off[1], y + pos, len, op);
      } else {
        const O v = op(a[off[0]], b[off[1]]);
        for (int64_t i = 0; i < len; ++i) y[pos + i] = v;
      }
    });
  });
}

// A kernel computing O = op(A, B) with broadcasting; the op is fixed at creation.
template <typename A, typename B, typename O, typename Op>
class BinaryKernel : public Kernel {
 public:
  BinaryKernel(BcastPlan plan, Op op, int64_t min_chunk)
      : plan_(std::move(plan)), op_(op), min_chunk_(min_chunk) {}
  absl::Status Run(const KernelIo& io) override {
    if (plan_.total == 0) return absl::OkStatus();
    RunBinary(io, plan_, io.inputs[0].as<const A>(), io.inputs[1].as<const B>(),
              io.outputs[0].as<O>(), op_, min_chunk_);
    return absl::OkStatus();
  }

 private:
  BcastPlan plan_;
  Op op_;
  int64_t min_chunk_;
};

// Input 1's shape as broadcasting sees it (the legacy axis form re-expressed).
inline Shape SecondShape(const KernelInfo& info) {
  if (info.node.opset < 7 && info.node.GetInt("broadcast", 0) != 0) {
    return LegacyBroadcastShape(info.node, info.in_shapes[0], info.in_shapes[1]);
  }
  const Shape& x = info.in_shapes[0];
  const Shape& s = info.in_shapes[1];
  if (info.node.opset < 7 && info.node.op_type == "PRelu" && s.size() == 1 && x.size() >= 2 &&
      s[0] == x[1] && s[0] != 1) {
    // PRelu-6 and older: a 1-D slope holds one value per channel (axis 1).
    Shape c(x.size() - 1, 1);
    c[0] = s[0];
    return c;
  }
  return s;
}

template <typename A, typename B, typename O, typename Op>
absl::StatusOr<std::unique_ptr<Kernel>> MakeBinary(const KernelInfo& info, Op op,
                                                   int64_t min_chunk = kCheapChunk) {
  auto plan = MakeBcastPlan(info, {info.in_shapes[0], SecondShape(info)}, info.out_shapes[0]);
  if (!plan.ok()) return plan.status();
  return std::unique_ptr<Kernel>(new BinaryKernel<A, B, O, Op>(*plan, op, min_chunk));
}

// A factory for binary ops whose inputs share one dtype in `Set` (float16 via float32):
// make(info, T{}) builds the kernel.
template <unsigned Set, typename Make>
KernelFactory SameTypeBinary(Make make) {
  return ViaFloat([make](const KernelInfo& info) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    if (auto s = CheckArity(info, 2); !s.ok()) return s;
    if (info.in_dtypes[0] != info.in_dtypes[1]) {
      return info.Error(absl::StrCat("inputs have different element types (",
                                     graph::DTypeName(info.in_dtypes[0]), " and ",
                                     graph::DTypeName(info.in_dtypes[1]), ")"));
    }
    return Dispatch<Set>(info, info.in_dtypes[0], [&](auto t) { return make(info, t); });
  });
}

// A kernel computing O = op(A) elementwise.
template <typename A, typename O, typename Op>
class UnaryKernel : public Kernel {
 public:
  UnaryKernel(Op op, int64_t min_chunk) : op_(op), min_chunk_(min_chunk) {}
  absl::Status Run(const KernelIo& io) override {
    const A* a = io.inputs[0].as<const A>();
    O* y = io.outputs[0].as<O>();
    Parallel(io, io.outputs[0].numel(), min_chunk_,
             [&](int64_t b, int64_t e) { UnaryLoop(a + b, y + b, e - b, op_); });
    return absl::OkStatus();
  }

 private:
  Op op_;
  int64_t min_chunk_;
};

template <typename A, typename O, typename Op>
absl::StatusOr<std::unique_ptr<Kernel>> MakeUnary(Op op, int64_t min_chunk = kCheapChunk) {
  return std::unique_ptr<Kernel>(new UnaryKernel<A, O, Op>(op, min_chunk));
}

}  // namespace socd::cpu::elementwise_impl
SOCD_ELEM_END
