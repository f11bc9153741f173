// Elementwise operators on tensors that are not float32 (integers, bool, float16, bfloat16,
// float64): the typed_*.comp shaders, one SPIR-V each, specialized per dtype by constants.
// Also the operators that only make sense with types: Cast, CastLike (to and from the sub-byte
// types too), comparisons, Where, Not, And/Or/Xor. The fp32 fast paths in vk_ops_elementwise.cc
// stay as they are; their builders call in here when a dtype is not float32.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/gpu_typed.h"
#include "backends/vulkan/vk_kernel.h"

namespace socd::vulkan {
namespace vk_ops_typed {

using graph::DType;
using graph::kNoValue;

// Compute classes of typed.glsl.
constexpr int kFloat = backends::gpu_typed::kClassFloat;
constexpr int kDouble = backends::gpu_typed::kClassDouble;
constexpr int kInt64 = backends::gpu_typed::kClassInt64;
constexpr int kUInt64 = backends::gpu_typed::kClassUInt64;

using backends::gpu_typed::BinaryClass;
using backends::gpu_typed::Convertible;
using backends::gpu_typed::Storable;
using backends::gpu_typed::UnaryClass;

// `convert`: Cast/CastLike or data movement, which also take the sub-byte types. `bits_only`:
// the op moves elements without decoding them (Where), so float64 needs no double arithmetic.
absl::Status CheckTypes(const KernelContext& k, bool convert = false, bool bits_only = false) {
  if (!k.typed)
    return Unimplemented(k,
                         "typed shaders need shaderInt64, which this device lacks (float32 "
                         "tensors only)");
  for (const auto* list : {&k.in, &k.out})
    for (int v : *list) {
      if (v == kNoValue) continue;
      if (!(convert ? Convertible(k.dtype(v)) : Storable(k.dtype(v))))
        return Unimplemented(k, backends::gpu_typed::RefusedTypeReason(k.dtype(v)));
      // Every float64 tensor that is decoded, and so every op of the double compute class
      // (which needs a float64 operand), runs in double: the nof64 shaders have none.
      if (k.dtype(v) == DType::kFloat64 && !k.float64 && !bits_only)
        return Unimplemented(k,
                             "tensor type float64 (needs shaderFloat64, which this device "
                             "lacks; the typed shaders run without double)");
    }
  return absl::OkStatus();
}

int32_t T(DType t) { return static_cast<int32_t>(t); }

// Invocations for n output elements: one per element of >= 4 bytes, one per 32-bit word below.
void TypedGroups(Dispatch& d, int64_t n, DType out) {
  const int64_t per = graph::DTypeSize(out) >= 4 ? 1 : 4 / graph::DTypeSize(out);
  Groups1D(d, (n + per - 1) / per);
}

absl::Status CheckCount(const KernelContext& k, int64_t n) {
  if (n < 0 || n > (int64_t{1} << 31) - 1)
    return Unimplemented(k, absl::StrCat(n, " elements (shaders index with 32 bits)"));
  return absl::OkStatus();
}

// Broadcast push constants of `operands` against shape `os` (binary.comp's layout: p1 rank,
// p2.. dims, then 6 strides per operand), adjacent dims merged where contiguous in all.
absl::Status BroadcastPush(const KernelContext& k, const std::vector<int>& operands,
                           const graph::Shape& os, std::vector<int32_t>& push) {
  const size_t m = operands.size();
  std::vector<std::vector<int64_t>> st(m, std::vector<int64_t>(os.size(), 0));
  for (size_t o = 0; o < m; ++o) {
    const graph::Shape& s = k.shape(operands[o]);
    int64_t stride = 1;
    for (int i = static_cast<int>(s.size()) - 1, j = static_cast<int>(os.size()) - 1; i >= 0;
         --i, --j) {
      st[o][j] = s[i] == 1 ? 0 : stride;
      stride *= s[i];
    }
  }
  graph::Shape dims;
  std::vector<std::vector<int64_t>> ds(m);
  for (size_t i = 0; i < os.size(); ++i) {
    if (os[i] == 1) continue;
    bool merge = !dims.empty();
    for (size_t o = 0; o < m && merge; ++o) merge = ds[o].back() == st[o][i] * os[i];
    if (merge) {
      dims.back() *= os[i];
      for (size_t o = 0; o < m; ++o) ds[o].back() = st[o][i];
      continue;
    }
    dims.push_back(os[i]);
    for (size_t o = 0; o < m; ++o) ds[o].push_back(st[o][i]);
  }
  if (dims.size() > 6) return Unimplemented(k, "broadcast over more than 6 dims");
  push.assign(2 + 6 * (m + 1), 0);
  push[0] = static_cast<int32_t>(graph::NumElements(os));
  push[1] = static_cast<int32_t>(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    push[2 + i] = static_cast<int32_t>(dims[i]);
    for (size_t o = 0; o < m; ++o) push[8 + 6 * o + i] = static_cast<int32_t>(ds[o][i]);
  }
  return absl::OkStatus();
}

int BinaryCode(const std::string& op) {
  static const std::pair<const char*, int> kCodes[] = {{"Add", 0},      {"Sum", 0},
                                                       {"Sub", 1},      {"Mul", 2},
                                                       {"Div", 3},      {"Max", 4},
                                                       {"Min", 5},      {"Pow", 6},
                                                       {"Equal", 9},    {"Less", 10},
                                                       {"Greater", 11}, {"LessOrEqual", 12},
                                                       {"And", 14},     {"GreaterOrEqual", 13},
                                                       {"Or", 15},      {"Xor", 16}};
  for (const auto& [name, code] : kCodes)
    if (op == name) return code;
  return -1;
}

absl::StatusOr<Dispatch> TypedBinary(const KernelContext& k, int code, int a, int b, int c) {
  const DType ta = k.dtype(a), tb = k.dtype(b), tc = k.dtype(c);
  int cls = BinaryClass(ta, tb);
  if (code == 6 && cls == kDouble) return Unimplemented(k, "Pow on float64 (no double pow)");
  if (code >= 14 && code <= 16) {  // And/Or/Xor: bool tensors, computed as 0/1 in int64
    if (ta != DType::kBool || tb != DType::kBool)
      return Unimplemented(k, "logical op on non-bool tensors");
    cls = kInt64;
  }
  Dispatch d;
  d.shader = "typed_binary";
  d.spec = {code, T(ta), T(tb), T(tc), cls};
  if (auto s = BroadcastPush(k, {a, b}, k.shape(c), d.push); !s.ok()) return s;
  d.bindings = {{a}, {b}, {c}};
  d.label = k.node.Describe();
  TypedGroups(d, graph::NumElements(k.shape(c)), tc);
  return d;
}

// cast_flags: typed_unary.comp's CAST_FLAGS (gpu_typed::CastFlags), ONNX's defaults elsewhere.
Dispatch TypedUnaryDispatch(int op, int cls, int in, DType ta, int out, DType tc, int64_t n,
                            const std::string& label, const std::vector<int32_t>& params,
                            int cast_flags = 1) {
  Dispatch d;
  d.shader = "typed_unary";
  d.spec = {op, T(ta), T(tc), cls, cast_flags};
  d.push.assign(7, 0);
  d.push[0] = static_cast<int32_t>(n);
  for (size_t i = 0; i < params.size() && i + 1 < d.push.size(); ++i) d.push[1 + i] = params[i];
  d.bindings = {{in}, {out}};
  d.label = label;
  TypedGroups(d, n, tc);
  return d;
}

// Cast / CastLike: X's class computes, the output's dtype stores.
absl::Status BuildCast(const KernelContext& k, std::vector<Dispatch>& out) {
  if (auto s = CheckTypes(k, /*convert=*/true); !s.ok()) return s;
  const auto flags = backends::gpu_typed::CastFlags(k.node);
  if (!flags.ok()) return Unimplemented(k, std::string(flags.status().message()));
  const int x = k.in[0], y = k.out[0];
  const int64_t n = graph::NumElements(k.shape(y));
  if (auto s = CheckCount(k, n); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  out.push_back(TypedUnaryDispatch(100, UnaryClass(k.dtype(x)), x, k.dtype(x), y, k.dtype(y), n,
                                   k.node.Describe(), {}, *flags));
  return absl::OkStatus();
}

absl::Status BuildNot(const KernelContext& k, std::vector<Dispatch>& out) {
  if (auto s = CheckTypes(k); !s.ok()) return s;
  const int x = k.in[0], y = k.out[0];
  const int64_t n = graph::NumElements(k.shape(y));
  if (auto s = CheckCount(k, n); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  out.push_back(
      TypedUnaryDispatch(102, kInt64, x, k.dtype(x), y, k.dtype(y), n, k.node.Describe(), {}));
  return absl::OkStatus();
}

absl::Status BuildWhere(const KernelContext& k, std::vector<Dispatch>& out) {
  // Moves bytes only: any dtype, float64 too without shaderFloat64.
  if (auto s = CheckTypes(k, /*convert=*/true, /*bits_only=*/true); !s.ok()) return s;
  const int c = k.in[0], x = k.in[1], y2 = k.in[2], z = k.out[0];
  if (k.dtype(c) != DType::kBool) return Unimplemented(k, "condition is not bool");
  const int64_t n = graph::NumElements(k.shape(z));
  if (auto s = CheckCount(k, n); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  Dispatch d;
  d.shader = "typed_where";
  d.spec = {T(k.dtype(z))};
  if (auto s = BroadcastPush(k, {c, x, y2}, k.shape(z), d.push); !s.ok()) return s;
  d.bindings = {{c}, {x}, {y2}, {z}};
  d.label = k.node.Describe();
  TypedGroups(d, n, k.dtype(z));
  out.push_back(std::move(d));
  return absl::OkStatus();
}

}  // namespace vk_ops_typed

absl::Status BuildTypedBinary(const KernelContext& k, std::vector<Dispatch>& out) {
  if (auto s = vk_ops_typed::CheckTypes(k); !s.ok()) return s;
  int code = vk_ops_typed::BinaryCode(k.node.op_type);
  if (k.node.op_type == "Mod") {
    code = k.node.GetInt("fmod", 0) != 0 ? 18 : 17;
    for (int v : k.in)
      if (v != graph::kNoValue && graph::IsFloat(k.dtype(v)) && code == 17)
        return Unimplemented(k, "Mod of floats needs fmod=1");
  }
  if (code < 0) return Unimplemented(k, "no typed shader");
  const int y = k.out[0];
  const int64_t n = graph::NumElements(k.shape(y));
  if (auto s = vk_ops_typed::CheckCount(k, n); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  std::vector<int> ins;
  for (int v : k.in)
    if (v != graph::kNoValue) ins.push_back(v);
  if (ins.size() == 1) {
    if (k.shape(ins[0]) != k.shape(y)) return Unimplemented(k, "single input with another shape");
    out.push_back(vk_ops_typed::TypedUnaryDispatch(100, vk_ops_typed::UnaryClass(k.dtype(ins[0])),
                                                   ins[0], k.dtype(ins[0]), y, k.dtype(y), n,
                                                   k.node.Describe(), {}));
    return absl::OkStatus();
  }
  // Variadic Max/Min/Sum chain through the output like the fp32 path: each invocation reads
  // and writes only its own output word.
  for (size_t i = 1; i < ins.size(); ++i) {
    auto d = vk_ops_typed::TypedBinary(k, code, i == 1 ? ins[0] : y, ins[i], y);
    if (!d.ok()) return d.status();
    out.push_back(*std::move(d));
  }
  return absl::OkStatus();
}

absl::Status BuildTypedUnary(const KernelContext& k, int code, float a, float b,
                             std::vector<Dispatch>& out) {
  if (auto s = vk_ops_typed::CheckTypes(k); !s.ok()) return s;
  const int x = k.in[0], y = k.out[0];
  const vk_ops_typed::DType t = k.dtype(x);
  const int cls = vk_ops_typed::UnaryClass(t);
  // Integer classes implement the sign/rounding family only; float64 also what
  // double_math.glsl builds from exp/log (GLSL has no double transcendentals; no erf/sin/cos).
  static const int kExact[] = {0, 1, 6, 7, 8, 9, 10, 11, 23};
  static const int kDoubleMath[] = {2, 3, 4, 5, 14, 15, 16, 17, 18, 19, 20, 24, 25, 27, 28, 29, 31};
  bool exact = false;
  for (int c : kExact) exact = exact || c == code;
  if (cls == vk_ops_typed::kDouble)
    for (int c : kDoubleMath) exact = exact || c == code;
  if (cls != vk_ops_typed::kFloat && !exact)
    return Unimplemented(k, absl::StrCat("input type ", graph::DTypeName(t),
                                         " (float32/float16/bfloat16 only for this op)"));
  if ((cls == vk_ops_typed::kInt64 || cls == vk_ops_typed::kUInt64) &&
      (code == 6 || code == 9 || code == 10 || code == 11))
    return Unimplemented(k, absl::StrCat("input type ", graph::DTypeName(t)));
  const int64_t n = graph::NumElements(k.shape(y));
  if (auto s = vk_ops_typed::CheckCount(k, n); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  out.push_back(vk_ops_typed::TypedUnaryDispatch(code, cls, x, t, y, k.dtype(y), n,
                                                 k.node.Describe(), {FloatBits(a), FloatBits(b)}));
  return absl::OkStatus();
}

absl::Status BuildTypedClip(const KernelContext& k, const graph::Tensor* lo,
                            const graph::Tensor* hi, std::vector<Dispatch>& out) {
  if (auto s = vk_ops_typed::CheckTypes(k); !s.ok()) return s;
  const int x = k.in[0], y = k.out[0];
  const vk_ops_typed::DType t = k.dtype(x);
  const int cls = vk_ops_typed::UnaryClass(t);
  std::vector<int32_t> p(6, 0);
  auto put64 = [&](int at, uint64_t bits) {
    p[at] = static_cast<int32_t>(bits & 0xffffffffu);
    p[at + 1] = static_cast<int32_t>(bits >> 32);
  };
  if (cls == vk_ops_typed::kFloat) {
    p[0] = FloatBits(lo ? static_cast<float>(lo->FloatAt(0)) : -INFINITY);
    p[1] = FloatBits(hi ? static_cast<float>(hi->FloatAt(0)) : INFINITY);
  } else if (cls == vk_ops_typed::kDouble) {
    double l = lo ? lo->FloatAt(0) : -INFINITY, h = hi ? hi->FloatAt(0) : INFINITY;
    uint64_t lb, hb;
    std::memcpy(&lb, &l, 8);
    std::memcpy(&hb, &h, 8);
    put64(2, lb);
    put64(4, hb);
  } else if (cls == vk_ops_typed::kInt64) {
    put64(2, static_cast<uint64_t>(lo ? lo->IntAt(0) : INT64_MIN));
    put64(4, static_cast<uint64_t>(hi ? hi->IntAt(0) : INT64_MAX));
  } else {
    put64(2, lo ? static_cast<uint64_t>(lo->IntAt(0)) : 0);
    put64(4, hi ? static_cast<uint64_t>(hi->IntAt(0)) : UINT64_MAX);
  }
  const int64_t n = graph::NumElements(k.shape(y));
  if (auto s = vk_ops_typed::CheckCount(k, n); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  out.push_back(
      vk_ops_typed::TypedUnaryDispatch(13, cls, x, t, y, k.dtype(y), n, k.node.Describe(), p));
  return absl::OkStatus();
}

absl::Status BuildTypedCopy(const KernelContext& k, int x, int y, std::vector<Dispatch>& out) {
  if (auto s = vk_ops_typed::CheckTypes(k, /*convert=*/true); !s.ok()) return s;
  const int64_t n = graph::NumElements(k.shape(y));
  if (n == 0) return absl::OkStatus();
  out.push_back(vk_ops_typed::TypedUnaryDispatch(100, vk_ops_typed::UnaryClass(k.dtype(x)), x,
                                                 k.dtype(x), y, k.dtype(y), n, k.node.Describe(),
                                                 {}));
  return absl::OkStatus();
}

const std::vector<OpEntry>& TypedOps() {
  static const std::vector<OpEntry> ops = [] {
    std::vector<OpEntry> v;
    v.push_back({"Cast", vk_ops_typed::BuildCast});
    v.push_back({"CastLike", vk_ops_typed::BuildCast});
    for (const char* op :
         {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Mod"})
      v.push_back({op, BuildTypedBinary});
    v.push_back({"Where", vk_ops_typed::BuildWhere});
    v.push_back({"Not", vk_ops_typed::BuildNot});
    return v;
  }();
  return ops;
}

}  // namespace socd::vulkan
