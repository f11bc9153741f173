// Elementwise operators: unary math and activations, binary arithmetic with broadcasting,
// variadic Sum/Max/Min/Mean, Clip, BatchNormalization (inference with fused activation, and
// training mode).
#include <limits>

#include "absl/strings/str_cat.h"
#include "backends/opencl/cl_ops.h"

namespace socd::opencl {

namespace cl_ops_elementwise {

struct UnaryDef {
  int code;
  float a, b;  // defaults of the op's alpha/beta-like attributes
  const char* attr_a;
  const char* attr_b;
};

const std::map<std::string, UnaryDef>& UnaryOps() {
  static const auto* m = new std::map<std::string, UnaryDef>{
      {"Relu", {1, 0, 0, nullptr, nullptr}},
      {"Sigmoid", {2, 0, 0, nullptr, nullptr}},
      {"Tanh", {3, 0, 0, nullptr, nullptr}},
      {"Erf", {4, 0, 0, nullptr, nullptr}},
      {"Exp", {5, 0, 0, nullptr, nullptr}},
      {"Log", {6, 0, 0, nullptr, nullptr}},
      {"Sqrt", {7, 0, 0, nullptr, nullptr}},
      {"Abs", {8, 0, 0, nullptr, nullptr}},
      {"Neg", {9, 0, 0, nullptr, nullptr}},
      {"Reciprocal", {10, 0, 0, nullptr, nullptr}},
      {"Floor", {11, 0, 0, nullptr, nullptr}},
      {"Ceil", {12, 0, 0, nullptr, nullptr}},
      {"LeakyRelu", {13, 0.01f, 0, "alpha", nullptr}},
      {"Elu", {14, 1.0f, 0, "alpha", nullptr}},
      {"Selu", {15, 1.67326319217681884765625f, 1.05070102214813232421875f, "alpha", "gamma"}},
      {"HardSigmoid", {16, 0.2f, 0.5f, "alpha", "beta"}},
      {"Softplus", {17, 0, 0, nullptr, nullptr}},
      {"Softsign", {18, 0, 0, nullptr, nullptr}},
      {"Sin", {19, 0, 0, nullptr, nullptr}},
      {"Cos", {20, 0, 0, nullptr, nullptr}},
      {"HardSwish", {21, 0, 0, nullptr, nullptr}},
      {"Sign", {23, 0, 0, nullptr, nullptr}},
      {"Gelu", {24, 0, 0, nullptr, nullptr}},  // approximate='tanh': 25
      {"Celu", {26, 1.0f, 0, "alpha", nullptr}},
      {"ThresholdedRelu", {27, 1.0f, 0, "alpha", nullptr}},
      {"Round", {28, 0, 0, nullptr, nullptr}},
      {"Mish", {29, 0, 0, nullptr, nullptr}},
  };
  return *m;
}

absl::StatusOr<std::vector<ClDispatch>> LowerUnary(const LowerCtx& c) {
  const UnaryDef& u = UnaryOps().at(c.node.op_type);
  const float a = u.attr_a ? c.node.GetFloat(u.attr_a, u.a) : u.a;
  const float b = u.attr_b ? c.node.GetFloat(u.attr_b, u.b) : u.b;
  int code = u.code;
  if (c.node.op_type == "Gelu") {
    const std::string approx = c.node.GetString("approximate", "none");
    if (approx == "tanh")
      code = 25;
    else if (approx != "none")
      return c.Unimplemented(absl::StrCat("Gelu approximate='", approx, "'"));
  }
  if (!c.AllFloat32()) return LowerTypedUnary(c, code, a, b);
  const int64_t n = graph::NumElements(c.out_shape());
  ClDispatch d = Dispatch1D("unary_f32", n);
  d.args = {ClArg::Value(c.in(0)), ClArg::Value(c.out()), ClArg::Int(n),
            ClArg::Int(code),      ClArg::Float(a),       ClArg::Float(b)};
  return std::vector<ClDispatch>{d};
}

int BinaryCode(const std::string& op) {
  if (op == "Add" || op == "Sum" || op == "Mean") return 0;
  if (op == "Sub") return 1;
  if (op == "Mul") return 2;
  if (op == "Div") return 3;
  if (op == "Pow") return 4;
  if (op == "Max") return 5;
  if (op == "Min") return 6;
  return -1;
}

// y = a op b, a and b broadcast to y's shape.
absl::StatusOr<ClDispatch> Binary(const LowerCtx& c, int op, int a, const graph::Shape& as, int b,
                                  const graph::Shape& bs) {
  const graph::Shape& ys = c.out_shape();
  const int64_t n = graph::NumElements(ys);
  int mode = 2;
  std::array<int32_t, 8> dims{}, sa{}, sb{};
  if (as == ys && bs == ys) {
    mode = 0;
  } else if (as == ys && graph::NumElements(bs) == 1) {
    mode = 1;
  }
  if (!BroadcastStrides(ys, as, &dims, &sa) || !BroadcastStrides(ys, bs, &dims, &sb))
    return c.Unimplemented("broadcast over more than 8 dimensions");
  ClDispatch d = Dispatch1D("binary_f32", n);
  d.args = {ClArg::Value(a),    ClArg::Value(b),  ClArg::Value(c.out()),
            ClArg::Int(n),      ClArg::Int(op),   ClArg::Int(mode),
            ClArg::Ints8(dims), ClArg::Ints8(sa), ClArg::Ints8(sb)};
  return d;
}

absl::StatusOr<std::vector<ClDispatch>> LowerBinary(const LowerCtx& c) {
  if (!c.AllFloat32()) {
    if (c.node.op_type == "Mean") return c.RequireFloat32();
    return LowerTypedBinary(c);
  }
  if (!FitsInt32(c.out_shape())) return c.Unimplemented("more than 2^31 elements");
  const int op = BinaryCode(c.node.op_type);
  std::vector<int> ins;
  for (size_t i = 0; i < c.num_in(); ++i)
    if (c.has_in(i)) ins.push_back(static_cast<int>(i));
  if (ins.empty()) return c.Unimplemented("no inputs");
  std::vector<ClDispatch> out;
  if (ins.size() == 1) {
    // One input: y = x broadcast (x op x would be wrong for Sub/Div; use a broadcast copy).
    std::array<int32_t, 8> dims{}, sx{};
    if (!BroadcastStrides(c.out_shape(), c.in_shape(ins[0]), &dims, &sx))
      return c.Unimplemented("broadcast over more than 8 dimensions");
    const int64_t n = graph::NumElements(c.out_shape());
    ClDispatch d = Dispatch1D("strided_copy_4", n);
    d.args = {ClArg::Value(c.in(ins[0])), ClArg::Value(c.out()), ClArg::Int(n), ClArg::Int(8),
              ClArg::Ints8(dims),         ClArg::Ints8(sx),      ClArg::Int(0)};
    out.push_back(d);
  } else {
    auto d = Binary(c, op, c.in(ins[0]), c.in_shape(ins[0]), c.in(ins[1]), c.in_shape(ins[1]));
    if (!d.ok()) return d.status();
    out.push_back(*d);
    // Variadic: fold the rest into y in place (same index read and written by one work-item).
    for (size_t k = 2; k < ins.size(); ++k) {
      auto dk = Binary(c, op, c.out(), c.out_shape(), c.in(ins[k]), c.in_shape(ins[k]));
      if (!dk.ok()) return dk.status();
      out.push_back(*dk);
    }
  }
  if (c.node.op_type == "Mean") {
    const int64_t n = graph::NumElements(c.out_shape());
    ClDispatch d = Dispatch1D("unary_f32", n);
    d.args = {ClArg::Value(c.out()),
              ClArg::Value(c.out()),
              ClArg::Int(n),
              ClArg::Int(22),
              ClArg::Float(1.0 / static_cast<double>(ins.size())),
              ClArg::Float(0)};
    out.push_back(d);
  }
  return out;
}

absl::StatusOr<std::vector<ClDispatch>> LowerClip(const LowerCtx& c) {
  if (!c.AllFloat32()) {
    if (c.node.opset < 11) return c.RequireFloat32();
    for (int k = 1; k <= 2; ++k)
      if (c.has_in(k) && !c.in_const(k)) return c.Unimplemented("min/max known only at run time");
    return LowerTypedClip(c, c.has_in(1) ? c.in_const(1) : nullptr,
                          c.has_in(2) ? c.in_const(2) : nullptr);
  }
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  ClArg lo_t = ClArg::Null(), hi_t = ClArg::Null();
  int flags = 0;
  if (c.node.opset < 11) {
    lo = c.node.GetFloat("min", lo);
    hi = c.node.GetFloat("max", hi);
  } else {
    for (int k = 1; k <= 2; ++k) {
      if (!c.has_in(k)) continue;
      if (graph::NumElements(c.in_shape(k)) != 1)
        return c.Unimplemented("min/max must hold one element");
      if (const graph::Tensor* t = c.in_const(k)) {
        (k == 1 ? lo : hi) = static_cast<float>(t->FloatAt(0));
      } else {
        (k == 1 ? lo_t : hi_t) = ClArg::Value(c.in(k));
        flags |= k;
      }
    }
  }
  const int64_t n = graph::NumElements(c.out_shape());
  ClDispatch d = Dispatch1D("clip_f32", n);
  d.args = {
      ClArg::Value(c.in(0)), ClArg::Value(c.out()), lo_t, hi_t, ClArg::Int(n), ClArg::Float(lo),
      ClArg::Float(hi),      ClArg::Int(flags)};
  return std::vector<ClDispatch>{d};
}

// training_mode exists from opset 14; older training graphs' extra outputs are refused.
bool BatchNormTraining(const graph::Node& n) {
  return n.opset >= 14 && n.GetInt("training_mode", 0) != 0;
}

absl::Status CheckBatchNorm(const graph::Node& n) {
  size_t outs = 0;
  for (size_t o = 0; o < n.outputs.size(); ++o)
    if (n.outputs[o] != graph::kNoValue) outs = o + 1;
  if (outs > 1 && !BatchNormTraining(n))
    return absl::UnimplementedError(
        "opencl: BatchNormalization statistics outputs outside training mode");
  if (outs > 3)
    return absl::UnimplementedError("opencl: BatchNormalization saved mean/variance outputs");
  return CheckFusedAct(n);
}

absl::StatusOr<std::vector<ClDispatch>> LowerBatchNorm(const LowerCtx& c) {
  if (auto s = c.RequireFloat32(); !s.ok()) return s;
  if (auto s = CheckBatchNorm(c.node); !s.ok()) return s;
  const graph::Shape& xs = c.in_shape(0);
  if (xs.size() < 2) return c.Unimplemented("input rank below 2");
  if (!FitsInt32(xs)) return c.Unimplemented("more than 2^31 elements");
  for (int k = 1; k <= 4; ++k) {
    if (!c.has_in(k) || graph::NumElements(c.in_shape(k)) != xs[1])
      return c.Unimplemented("per-channel parameters must have C elements");
  }
  int act;
  float aa, ab;
  if (auto s = ReadFusedAct(c.node, &act, &aa, &ab); !s.ok()) return s;
  int64_t inner = 1;
  for (size_t d = 2; d < xs.size(); ++d) inner *= xs[d];
  const float eps = c.node.GetFloat("epsilon", 1e-5f);
  if (BatchNormTraining(c.node)) {
    // One 64-item work-group per channel: batch statistics, normalization and the running
    // statistics in one launch (norm.cl batchnorm_train_f32).
    ClDispatch d = Dispatch1D("batchnorm_train_f32", xs[1] * 64);
    const int flags = (c.has_out(1) ? 1 : 0) | (c.has_out(2) ? 2 : 0);
    d.args = {ClArg::Value(c.in(0)),
              ClArg::Value(c.in(1)),
              ClArg::Value(c.in(2)),
              ClArg::Value(c.in(3)),
              ClArg::Value(c.in(4)),
              ClArg::Value(c.out()),
              flags & 1 ? ClArg::Value(c.out(1)) : ClArg::Null(),
              flags & 2 ? ClArg::Value(c.out(2)) : ClArg::Null(),
              ClArg::Int(xs[0]),
              ClArg::Int(xs[1]),
              ClArg::Int(inner),
              ClArg::Float(eps),
              ClArg::Float(c.node.GetFloat("momentum", 0.9f)),
              ClArg::Int(flags),
              ClArg::Int(act),
              ClArg::Float(aa),
              ClArg::Float(ab)};
    return std::vector<ClDispatch>{d};
  }
  const int64_t n = graph::NumElements(xs);
  ClDispatch d = Dispatch1D("batchnorm_f32", n);
  d.args = {ClArg::Value(c.in(0)), ClArg::Value(c.in(1)), ClArg::Value(c.in(2)),
            ClArg::Value(c.in(3)), ClArg::Value(c.in(4)), ClArg::Value(c.out()),
            ClArg::Int(n),         ClArg::Int(xs[1]),     ClArg::Int(inner),
            ClArg::Float(eps),     ClArg::Int(act),       ClArg::Float(aa),
            ClArg::Float(ab)};
  return std::vector<ClDispatch>{d};
}

}  // namespace cl_ops_elementwise

void RegisterElementwiseOps(ClOpTable& t) {
  namespace e = cl_ops_elementwise;
  for (const auto& [name, def] : e::UnaryOps()) t[name] = {e::LowerUnary, nullptr};
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow", "Sum", "Max", "Min", "Mean"})
    t[op] = {e::LowerBinary, nullptr};
  t["Clip"] = {e::LowerClip, nullptr};
  t["BatchNormalization"] = {e::LowerBatchNorm, e::CheckBatchNorm};
}

}  // namespace socd::opencl
