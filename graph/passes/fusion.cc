// The fusion pass: merges per-channel affine ops (BatchNormalization, Mul/Add by constants),
// residual adds and activations into the Conv/Gemm/MatMul/BatchNormalization that produces
// their input, so the kernels apply them in their epilogue while the output is in cache.
// A node is merged only when it is the sole reader of the host's output and that output is not
// a graph output. See fusion.h for the attributes fused nodes carry.
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/passes/fusion.h"
#include "graph/passes/fusion_impl.h"

namespace socd::graph {
namespace fusion_impl {

Fuser::Fuser(Graph& graph, PassStats& s, const NodeEvaluator* eval) : g(graph), stats(s) {
  consumers_.assign(g.values.size(), {});
  is_output_.assign(g.values.size(), false);
  dead_.assign(g.nodes.size(), false);
  for (int o : g.outputs) is_output_[o] = true;
  for (size_t n = 0; n < g.nodes.size(); ++n)
    for (int in : g.nodes[n].inputs)
      if (in != kNoValue) consumers_[in].push_back(static_cast<int>(n));
  // Concrete shapes for the shape-dependent rules; symbolic dims get two different values so
  // that only shapes equal under both count as equal.
  bool symbolic = false;
  for (int64_t sym : {1, 2}) {
    if (sym == 2 && !symbolic) break;
    std::vector<Shape> shapes;
    for (int i : g.inputs) {
      const TensorType& t = g.values[i].type;
      Shape s;
      for (const Dim& d : t.dims) {
        if (!d.is_static()) symbolic = true;
        s.push_back(d.is_static() ? d.value : sym);
      }
      shapes.push_back(s);
    }
    InferOptions opts;
    opts.evaluator = eval;
    auto vals = InferGraph(g, shapes, opts);
    if (!vals.ok()) break;
    inferred_.push_back(*std::move(vals));
  }
}

int Fuser::SoleConsumer(int v) const {
  if (v < 0 || is_output_[v] || consumers_[v].size() != 1) return -1;
  return consumers_[v][0];
}

const Tensor* Fuser::FloatConst(int v) const {
  const Tensor* t = Const(v);
  return t && t->dtype() == DType::kFloat32 ? t : nullptr;
}

const Shape* Fuser::ShapeOf(int v) const {
  if (v < 0) return nullptr;
  if (const Tensor* t = Const(v)) return &t->shape();
  if (inferred_.empty() || !inferred_[0][v].known) return nullptr;
  for (size_t i = 1; i < inferred_.size(); ++i)
    if (!inferred_[i][v].known || inferred_[i][v].shape != inferred_[0][v].shape) return nullptr;
  return &inferred_[0][v].shape;
}

bool Fuser::SameShape(int a, int b) const {
  if (inferred_.empty()) return false;
  for (const auto& vals : inferred_) {
    if (!vals[a].known || !vals[b].known || vals[a].shape != vals[b].shape) return false;
  }
  return true;
}

DType Fuser::TypeOf(int v) const {
  if (const Tensor* t = Const(v)) return t->dtype();
  if (!inferred_.empty() && inferred_[0][v].known) return inferred_[0][v].dtype;
  return g.values[v].type.dtype;
}

void Fuser::Kill(int n) {
  dead_[n] = true;
  for (int in : g.nodes[n].inputs) {
    if (in == kNoValue) continue;
    auto& c = consumers_[in];
    for (size_t i = 0; i < c.size(); ++i)
      if (c[i] == n) {
        c.erase(c.begin() + i);
        break;
      }
  }
  ++stats.fused;
}

void Fuser::Absorb(int host, const std::vector<int>& absorbed, int new_output) {
  for (int n : absorbed) Kill(n);
  g.nodes[host].outputs[0] = new_output;
}

void Fuser::SetInput(int n, size_t slot, int value) {
  Node& node = g.nodes[n];
  if (node.inputs.size() <= slot) node.inputs.resize(slot + 1, kNoValue);
  int old = node.inputs[slot];
  if (old != kNoValue) {
    auto& c = consumers_[old];
    for (size_t i = 0; i < c.size(); ++i)
      if (c[i] == n) {
        c.erase(c.begin() + i);
        break;
      }
  }
  node.inputs[slot] = value;
  if (value != kNoValue) {
    if (static_cast<size_t>(value) >= consumers_.size()) {
      consumers_.resize(value + 1);
      is_output_.resize(value + 1, false);
    }
    consumers_[value].push_back(n);
  }
}

int Fuser::NewConst(const std::string& base, std::shared_ptr<Tensor> t) {
  int v = g.AddConstant(g.UniqueName(base), std::move(t));
  if (static_cast<size_t>(v) >= consumers_.size()) {
    consumers_.resize(v + 1);
    is_output_.resize(v + 1, false);
  }
  for (auto& vals : inferred_) vals.resize(g.values.size());
  return v;
}

bool HasAct(const Node& n) { return n.HasAttr(kFusedActAttr); }
bool HasResidual(const Node& n) {
  int slot = n.op_type == "Conv" ? kConvResidualInput : kMatMulResidualInput;
  return n.op_type != "BatchNormalization" && n.op_type != "Gemm" && n.has_input(slot);
}

std::optional<std::vector<float>> ChannelVector(const Tensor& c, size_t rank, size_t axis,
                                                int64_t m) {
  const Shape& s = c.shape();
  if (c.dtype() != DType::kFloat32 || s.size() > rank) return std::nullopt;
  const size_t off = rank - s.size();
  bool per_channel = false;
  for (size_t j = 0; j < s.size(); ++j) {
    if (off + j == axis && s[j] == m)
      per_channel = true;
    else if (s[j] != 1)
      return std::nullopt;
  }
  std::vector<float> v(m);
  for (int64_t i = 0; i < m; ++i) v[i] = c.as<float>()[per_channel ? i : 0];
  return v;
}

// A scalar float constant (any shape with one element), or nullopt.
std::optional<float> ScalarConst(const Fuser& f, int v) {
  const Tensor* t = f.FloatConst(v);
  if (!t || t->numel() != 1) return std::nullopt;
  return t->as<float>()[0];
}

bool IsOp(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }

// The other input of a binary node reading v, or -1.
int OtherInput(const Node& n, int v) {
  if (n.inputs.size() != 2) return -1;
  if (n.inputs[0] == v && n.inputs[1] != v) return n.inputs[1];
  if (n.inputs[1] == v && n.inputs[0] != v) return n.inputs[0];
  return -1;
}

bool Near(float a, float b) { return std::fabs(a - b) <= 1e-4f * std::fabs(b); }

// Activation nodes -> (name, alpha, beta).
bool ReadActivation(const Fuser& f, const Node& n, std::string& name, float& a, float& b) {
  if (!n.domain.empty() || n.outputs.size() != 1) return false;
  const std::string& op = n.op_type;
  a = b = 0;
  if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "HardSwish") {
    name = op;
    return true;
  }
  if (op == "LeakyRelu") {
    name = op, a = n.GetFloat("alpha", 0.01f);
    return true;
  }
  if (op == "HardSigmoid") {
    name = op, a = n.GetFloat("alpha", 0.2f), b = n.GetFloat("beta", 0.5f);
    return true;
  }
  if (op == "Gelu" && n.GetString("approximate", "none") == "none") {
    name = "Gelu";
    return true;
  }
  if (op == "Clip") {
    name = op;
    a = std::numeric_limits<float>::lowest(), b = std::numeric_limits<float>::max();
    if (n.opset < 11) {
      a = n.GetFloat("min", a), b = n.GetFloat("max", b);
      return true;
    }
    for (size_t i = 1; i < n.inputs.size(); ++i) {
      if (n.inputs[i] == kNoValue) continue;
      auto s = ScalarConst(f, n.inputs[i]);
      if (!s) return false;
      (i == 1 ? a : b) = *s;
    }
    return true;
  }
  return false;
}

void SetAct(Node& host, const std::string& name, float a, float b) {
  Attribute s;
  s.kind = Attribute::Kind::kString;
  s.s = name;
  host.attrs[kFusedActAttr] = s;
  Attribute fa, fb;
  fa.kind = fb.kind = Attribute::Kind::kFloat;
  fa.f = a, fb.f = b;
  host.attrs[kFusedAlphaAttr] = fa;
  host.attrs[kFusedBetaAttr] = fb;
}

// x * sigmoid(x): v read by Sigmoid(v) and Mul(v, sigmoid).
bool FuseSiLU(Fuser& f, int host, int v) {
  const auto& cs = f.Consumers(v);
  if (f.IsGraphOutput(v) || cs.size() != 2) return false;
  for (int k = 0; k < 2; ++k) {
    int s = cs[k], m = cs[1 - k];
    const Node& sn = f.node(s);
    const Node& mn = f.node(m);
    if (!IsOp(sn, "Sigmoid") || !IsOp(mn, "Mul") || sn.outputs.size() != 1) continue;
    if (f.SoleConsumer(sn.outputs[0]) != m || OtherInput(mn, v) != sn.outputs[0]) continue;
    SetAct(f.node(host), "SiLU", 0, 0);
    f.Absorb(host, {s, m}, mn.outputs[0]);
    return true;
  }
  return false;
}

// 0.5 * x * (1 + erf(x / sqrt(2))) in the orders exporters write it.
bool FuseGelu(Fuser& f, int host, int v) {
  const auto& cs = f.Consumers(v);
  if (f.IsGraphOutput(v) || cs.size() != 2) return false;
  for (int k = 0; k < 2; ++k) {
    int d = cs[k], other = cs[1 - k];
    const Node& dn = f.node(d);
    // d: x / sqrt(2) or x * (1 / sqrt(2)).
    auto c =
        dn.inputs.size() == 2 && dn.inputs[0] == v ? ScalarConst(f, dn.inputs[1]) : std::nullopt;
    if (!c) continue;
    if (!(IsOp(dn, "Div") && Near(*c, 1.41421356f)) && !(IsOp(dn, "Mul") && Near(*c, 0.70710678f)))
      continue;
    int e = f.SoleConsumer(dn.outputs[0]);
    if (e < 0 || !IsOp(f.node(e), "Erf")) continue;
    int a = f.SoleConsumer(f.node(e).outputs[0]);
    if (a < 0 || !IsOp(f.node(a), "Add")) continue;
    auto one = ScalarConst(f, OtherInput(f.node(a), f.node(e).outputs[0]));
    if (!one || !Near(*one, 1.0f)) continue;
    const int a_out = f.node(a).outputs[0];
    const Node& on = f.node(other);
    if (!IsOp(on, "Mul")) continue;
    int m = f.SoleConsumer(on.outputs[0]);
    if (m < 0 || !IsOp(f.node(m), "Mul")) continue;
    const Node& mn = f.node(m);
    bool ok = false;
    if (OtherInput(on, v) == a_out && f.SoleConsumer(a_out) == other) {
      // (x * (1 + erf)) * 0.5
      auto h = ScalarConst(f, OtherInput(mn, on.outputs[0]));
      ok = h && Near(*h, 0.5f);
    } else if (auto h = ScalarConst(f, OtherInput(on, v)); h && Near(*h, 0.5f)) {
      // (x * 0.5) * (1 + erf)
      ok = OtherInput(mn, on.outputs[0]) == a_out && f.SoleConsumer(a_out) == m;
    }
    if (!ok) continue;
    SetAct(f.node(host), "Gelu", 0, 0);
    f.Absorb(host, {d, e, a, other, m}, mn.outputs[0]);
    return true;
  }
  return false;
}

// Conv/MatMul output + another tensor of the same shape: the sum becomes a kernel input.
bool FuseResidual(Fuser& f, int host, int add) {
  Node& h = f.node(host);
  const Node& an = f.node(add);
  if (!(IsOp(h, "Conv") || IsOp(h, "MatMul")) || HasAct(h) || HasResidual(h)) return false;
  if (!(IsOp(an, "Add") || IsOp(an, "Sum")) || an.outputs.size() != 1) return false;
  const int v = h.outputs[0];
  const int other = OtherInput(an, v);
  if (other < 0 || f.TypeOf(other) != DType::kFloat32 || f.TypeOf(v) != DType::kFloat32 ||
      !f.SameShape(other, v)) {
    return false;
  }
  const int out = an.outputs[0];
  f.SetInput(host, IsOp(h, "Conv") ? kConvResidualInput : kMatMulResidualInput, other);
  f.Absorb(host, {add}, out);
  return true;
}

bool TryFuse(Fuser& f, int host) {
  Node& h = f.node(host);
  if (h.outputs.empty() || h.outputs[0] == kNoValue) return false;
  const int v = h.outputs[0];
  if (f.TypeOf(v) != DType::kFloat32) return false;
  if (HasAct(h)) return false;
  const int c = f.SoleConsumer(v);
  if (c < 0) return FuseSiLU(f, host, v) || FuseGelu(f, host, v);
  const Node& cn = f.node(c);
  std::string act;
  float a, b;
  if (ReadActivation(f, cn, act, a, b)) {
    SetAct(h, act, a, b);
    f.Absorb(host, {c}, cn.outputs[0]);
    return true;
  }
  if (IsOp(cn, "BatchNormalization")) return FoldBatchNorm(f, host, c);
  if (IsOp(cn, "Mul")) return FoldMul(f, host, c);
  if (IsOp(cn, "Add") || IsOp(cn, "Sum")) return FoldAdd(f, host, c) || FuseResidual(f, host, c);
  return false;
}

bool IsHost(const Node& n) {
  if (!n.domain.empty()) return false;
  if (n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul") return true;
  if (n.op_type != "BatchNormalization") return false;
  // Inference-mode BatchNormalization with only its Y output.
  if (n.opset >= 14 && n.GetInt("training_mode", 0) != 0) return false;
  for (size_t o = 1; o < n.outputs.size(); ++o)
    if (n.outputs[o] != kNoValue) return false;
  return true;
}

absl::Status Fuser::Run() {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (dead_[i] || !IsHost(g.nodes[i])) continue;
    while (TryFuse(*this, static_cast<int>(i))) {
    }
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!dead_[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  if (auto s = g.TopoSort(); !s.ok()) return s;
  g.CompactValues();
  return absl::OkStatus();
}

}  // namespace fusion_impl

absl::Status Fuse(Graph& g, PassStats& stats, const NodeEvaluator* eval) {
  fusion_impl::Fuser f(g, stats, eval);
  return f.Run();
}

}  // namespace socd::graph
