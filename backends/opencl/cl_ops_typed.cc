// Elementwise operators on tensors that are not float32 (integers, bool, float16, bfloat16,
// float64) through kernels/typed.cl, and the operators that only make sense with types: Cast,
// CastLike (to and from the sub-byte types too), comparisons, Where, Not, And/Or/Xor. The float32
// kernels stay the fast path; the elementwise lowerings call in here when a dtype is not float32.
// Op codes: keep in step with kernels/typed.cl.
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "backends/gpu_typed.h"
#include "backends/opencl/cl_ops.h"

namespace socd::opencl {
namespace cl_ops_typed {

using graph::DType;

using backends::gpu_typed::BinaryClass;
using backends::gpu_typed::Convertible;
using backends::gpu_typed::Storable;
using backends::gpu_typed::UnaryClass;
constexpr int kClsFloat = backends::gpu_typed::kClassFloat;
constexpr int kClsDouble = backends::gpu_typed::kClassDouble;
constexpr int kClsLong = backends::gpu_typed::kClassInt64;
constexpr int kClsUlong = backends::gpu_typed::kClassUInt64;

// `convert`: Cast/CastLike or data movement, which also take the sub-byte types.
absl::Status CheckTypes(const LowerCtx& c, bool convert = false) {
  auto check = [&](DType t) -> absl::Status {
    if (!(convert ? Convertible(t) : Storable(t)))
      return c.Unimplemented(backends::gpu_typed::RefusedTypeReason(t));
    if (t == DType::kFloat64 && !c.fp64)
      return c.Unimplemented("float64 tensors need cl_khr_fp64, which this device lacks");
    return absl::OkStatus();
  };
  for (size_t i = 0; i < c.num_in(); ++i)
    if (c.has_in(i))
      if (auto s = check(c.in_dtype(i)); !s.ok()) return s;
  for (size_t i = 0; i < c.num_out(); ++i)
    if (c.has_out(i))
      if (auto s = check(c.out_dtype(i)); !s.ok()) return s;
  if (!FitsInt32(c.out_shape())) return c.Unimplemented("more than 2^31 elements");
  return absl::OkStatus();
}

int BinaryCode(const std::string& op) {
  static const std::pair<const char*, int> kCodes[] = {
      {"Add", 0},   {"Sum", 0},          {"Sub", 1},      {"Mul", 2},
      {"Div", 3},   {"Max", 4},          {"Min", 5},      {"Pow", 6},
      {"Equal", 9}, {"Less", 10},        {"Greater", 11}, {"And", 14},
      {"Or", 15},   {"LessOrEqual", 12}, {"Xor", 16},     {"GreaterOrEqual", 13}};
  for (const auto& [name, code] : kCodes)
    if (op == name) return code;
  return -1;
}

int32_t Code(DType t) { return static_cast<int32_t>(t); }

// cast_flags: typed_unary's `fl` (gpu_typed::CastFlags), ONNX's defaults elsewhere.
ClDispatch Unary(const LowerCtx& c, int op, int x, DType tx, int cls, float fa, float fb,
                 int64_t la, int64_t lb, int cast_flags = 1) {
  const int64_t n = graph::NumElements(c.out_shape());
  ClDispatch d = Dispatch1D("typed_unary", n);
  d.args = {ClArg::Value(x), ClArg::Value(c.out()), ClArg::Int(n),
            ClArg::Int(op),  ClArg::Int(Code(tx)),  ClArg::Int(Code(c.out_dtype())),
            ClArg::Int(cls), ClArg::Float(fa),      ClArg::Float(fb),
            ClArg::Pod(la),  ClArg::Pod(lb),        ClArg::Int(cast_flags)};
  return d;
}

absl::StatusOr<ClDispatch> Binary(const LowerCtx& c, int op, int a, const graph::Shape& as,
                                  DType ta, int b, const graph::Shape& bs, DType tb) {
  int cls = BinaryClass(ta, tb);
  if (op >= 14 && op <= 16) {  // And/Or/Xor: bool tensors, computed as 0/1 in long
    if (ta != DType::kBool || tb != DType::kBool)
      return c.Unimplemented("logical op on non-bool tensors");
    cls = kClsLong;
  }
  std::array<int32_t, 8> dims{}, sa{}, sb{};
  if (!BroadcastStrides(c.out_shape(), as, &dims, &sa) ||
      !BroadcastStrides(c.out_shape(), bs, &dims, &sb))
    return c.Unimplemented("broadcast over more than 8 dimensions");
  const int64_t n = graph::NumElements(c.out_shape());
  ClDispatch d = Dispatch1D("typed_binary", n);
  d.args = {
      ClArg::Value(a), ClArg::Value(b),      ClArg::Value(c.out()), ClArg::Int(n),
      ClArg::Int(op),  ClArg::Int(Code(ta)), ClArg::Int(Code(tb)),  ClArg::Int(Code(c.out_dtype())),
      ClArg::Int(cls), ClArg::Ints8(dims),   ClArg::Ints8(sa),      ClArg::Ints8(sb)};
  return d;
}

absl::StatusOr<std::vector<ClDispatch>> LowerCast(const LowerCtx& c) {
  if (auto s = CheckTypes(c, /*convert=*/true); !s.ok()) return s;
  const auto flags = backends::gpu_typed::CastFlags(c.node);
  if (!flags.ok()) return c.Unimplemented(std::string(flags.status().message()));
  if (graph::NumElements(c.out_shape()) == 0) return std::vector<ClDispatch>{};
  return std::vector<ClDispatch>{
      Unary(c, 100, c.in(0), c.in_dtype(0), UnaryClass(c.in_dtype(0)), 0, 0, 0, 0, *flags)};
}

absl::StatusOr<std::vector<ClDispatch>> LowerNot(const LowerCtx& c) {
  if (auto s = CheckTypes(c); !s.ok()) return s;
  if (graph::NumElements(c.out_shape()) == 0) return std::vector<ClDispatch>{};
  return std::vector<ClDispatch>{Unary(c, 102, c.in(0), c.in_dtype(0), kClsLong, 0, 0, 0, 0)};
}

absl::StatusOr<std::vector<ClDispatch>> LowerWhere(const LowerCtx& c) {
  if (auto s = CheckTypes(c, /*convert=*/true); !s.ok()) return s;  // moves bytes only
  if (c.in_dtype(0) != DType::kBool) return c.Unimplemented("condition is not bool");
  const int64_t n = graph::NumElements(c.out_shape());
  if (n == 0) return std::vector<ClDispatch>{};
  std::array<int32_t, 8> dims{}, sc{}, sx{}, sy{};
  if (!BroadcastStrides(c.out_shape(), c.in_shape(0), &dims, &sc) ||
      !BroadcastStrides(c.out_shape(), c.in_shape(1), &dims, &sx) ||
      !BroadcastStrides(c.out_shape(), c.in_shape(2), &dims, &sy))
    return c.Unimplemented("broadcast over more than 8 dimensions");
  ClDispatch d = Dispatch1D("typed_where", n);
  d.args = {
      ClArg::Value(c.in(0)), ClArg::Value(c.in(1)),
      ClArg::Value(c.in(2)), ClArg::Value(c.out()),
      ClArg::Int(n),         ClArg::Int(static_cast<int64_t>(graph::DTypeSize(c.out_dtype()))),
      ClArg::Ints8(dims),    ClArg::Ints8(sc),
      ClArg::Ints8(sx),      ClArg::Ints8(sy)};
  return std::vector<ClDispatch>{d};
}

}  // namespace cl_ops_typed

absl::StatusOr<std::vector<ClDispatch>> LowerTypedBinary(const LowerCtx& c) {
  namespace t = cl_ops_typed;
  if (auto s = t::CheckTypes(c); !s.ok()) return s;
  int op = t::BinaryCode(c.node.op_type);
  if (c.node.op_type == "Mod") {
    op = c.node.GetInt("fmod", 0) != 0 ? 18 : 17;
    for (size_t i = 0; i < c.num_in(); ++i)
      if (c.has_in(i) && graph::IsFloat(c.in_dtype(i)) && op == 17)
        return c.Unimplemented("Mod of floats needs fmod=1");
  }
  if (op < 0) return c.Unimplemented("no typed kernel");
  if (graph::NumElements(c.out_shape()) == 0) return std::vector<ClDispatch>{};
  std::vector<int> ins;
  for (size_t i = 0; i < c.num_in(); ++i)
    if (c.has_in(i)) ins.push_back(static_cast<int>(i));
  std::vector<ClDispatch> out;
  if (ins.size() == 1) {
    if (c.in_shape(ins[0]) != c.out_shape())
      return c.Unimplemented("single input with another shape");
    out.push_back(t::Unary(c, 100, c.in(ins[0]), c.in_dtype(ins[0]),
                           t::UnaryClass(c.in_dtype(ins[0])), 0, 0, 0, 0));
    return out;
  }
  // Variadic: fold the rest into y in place (one work-item reads and writes one element).
  for (size_t k = 1; k < ins.size(); ++k) {
    const bool first = k == 1;
    auto d =
        t::Binary(c, op, first ? c.in(ins[0]) : c.out(), first ? c.in_shape(ins[0]) : c.out_shape(),
                  first ? c.in_dtype(ins[0]) : c.out_dtype(), c.in(ins[k]), c.in_shape(ins[k]),
                  c.in_dtype(ins[k]));
    if (!d.ok()) return d.status();
    out.push_back(*d);
  }
  return out;
}

absl::StatusOr<std::vector<ClDispatch>> LowerTypedUnary(const LowerCtx& c, int code, float a,
                                                        float b) {
  namespace t = cl_ops_typed;
  if (auto s = t::CheckTypes(c); !s.ok()) return s;
  const graph::DType tx = c.in_dtype(0);
  const int cls = t::UnaryClass(tx);
  // Integer classes: the exact ops only (Relu, Abs, Neg, Sign); double has every unary_op
  // (typed.cl's unary_op_d, on OpenCL's double built-ins).
  if (cls != t::kClsFloat && cls != t::kClsDouble && code != 1 && code != 8 && code != 9 &&
      code != 23)
    return c.Unimplemented(absl::StrCat("input type ", graph::DTypeName(tx),
                                        " (float32/float16/bfloat16 only for this op)"));
  if (cls == t::kClsUlong && code != 1 && code != 23)
    return c.Unimplemented(absl::StrCat("input type ", graph::DTypeName(tx)));
  if (graph::NumElements(c.out_shape()) == 0) return std::vector<ClDispatch>{};
  return std::vector<ClDispatch>{t::Unary(c, code, c.in(0), tx, cls, a, b, 0, 0)};
}

absl::StatusOr<std::vector<ClDispatch>> LowerTypedClip(const LowerCtx& c, const graph::Tensor* lo,
                                                       const graph::Tensor* hi) {
  namespace t = cl_ops_typed;
  if (auto s = t::CheckTypes(c); !s.ok()) return s;
  const graph::DType tx = c.in_dtype(0);
  const int cls = t::UnaryClass(tx);
  float fa = -std::numeric_limits<float>::infinity(), fb = std::numeric_limits<float>::infinity();
  int64_t la = 0, lb = 0;
  if (cls == t::kClsFloat) {
    if (lo) fa = static_cast<float>(lo->FloatAt(0));
    if (hi) fb = static_cast<float>(hi->FloatAt(0));
  } else if (cls == t::kClsDouble) {
    double l = lo ? lo->FloatAt(0) : -std::numeric_limits<double>::infinity();
    double h = hi ? hi->FloatAt(0) : std::numeric_limits<double>::infinity();
    std::memcpy(&la, &l, 8);
    std::memcpy(&lb, &h, 8);
  } else if (cls == t::kClsLong) {
    la = lo ? lo->IntAt(0) : std::numeric_limits<int64_t>::min();
    lb = hi ? hi->IntAt(0) : std::numeric_limits<int64_t>::max();
  } else {
    la = lo ? lo->IntAt(0) : 0;
    lb = hi ? hi->IntAt(0) : -1;  // all ones: UINT64_MAX
  }
  if (graph::NumElements(c.out_shape()) == 0) return std::vector<ClDispatch>{};
  return std::vector<ClDispatch>{t::Unary(c, 101, c.in(0), tx, cls, fa, fb, la, lb)};
}

absl::StatusOr<std::vector<ClDispatch>> LowerTypedCopy(const LowerCtx& c) {
  namespace t = cl_ops_typed;
  if (auto s = t::CheckTypes(c, /*convert=*/true); !s.ok()) return s;
  if (graph::NumElements(c.out_shape()) == 0) return std::vector<ClDispatch>{};
  return std::vector<ClDispatch>{
      t::Unary(c, 100, c.in(0), c.in_dtype(0), t::UnaryClass(c.in_dtype(0)), 0, 0, 0, 0)};
}

void RegisterTypedOps(ClOpTable& t) {
  namespace ct = cl_ops_typed;
  t["Cast"] = {ct::LowerCast, nullptr};
  t["CastLike"] = {ct::LowerCast, nullptr};
  for (const char* op :
       {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Mod"})
    t[op] = {LowerTypedBinary, nullptr};
  t["Where"] = {ct::LowerWhere, nullptr};
  t["Not"] = {ct::LowerNot, nullptr};
}

}  // namespace socd::opencl
