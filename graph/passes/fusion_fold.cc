// Folding per-channel affine maps y -> s * y + t (an inference BatchNormalization, a Mul or an
// Add by a constant that varies at most along the channel axis) into the host that produced y:
// Conv weights rows and bias, BatchNormalization scale and bias, MatMul weight columns (or
// its scale) and fused bias, Gemm's C. New constants are created; shared weights are never
// modified in place.
#include <cmath>

#include "graph/passes/fusion.h"
#include "graph/passes/fusion_impl.h"

namespace socd::graph::fusion_impl {

// Where the channels of a host's output are.
struct ChannelInfo {
  size_t rank = 0, axis = 0;
  int64_t m = 0;
};

std::optional<ChannelInfo> HostChannels(const Fuser& f, const Node& h) {
  ChannelInfo ci;
  if (h.op_type == "Conv") {
    const Shape* w = f.ShapeOf(h.inputs[1]);
    if (!w || w->size() < 3) return std::nullopt;
    ci.rank = w->size(), ci.axis = 1, ci.m = (*w)[0];
    return ci;
  }
  const Shape* y = f.ShapeOf(h.outputs[0]);
  if (!y || y->empty()) return std::nullopt;
  if (h.op_type == "MatMul") {
    // With a 1-D B the last output dim is A's rows, not channels.
    const Shape* b = f.ShapeOf(h.inputs[1]);
    if (!b || b->size() < 2) return std::nullopt;
  }
  ci.rank = y->size();
  if (h.op_type == "BatchNormalization") {
    if (y->size() < 2) return std::nullopt;
    ci.axis = 1, ci.m = (*y)[1];
  } else {
    ci.axis = y->size() - 1, ci.m = y->back();
  }
  return ci;
}

std::shared_ptr<Tensor> FloatTensor(Shape s) {
  return std::make_shared<Tensor>(DType::kFloat32, std::move(s));
}

// Length-m values of a per-channel constant input, or nullopt.
std::optional<std::vector<float>> ChannelInput(const Fuser& f, int v, int64_t m) {
  const Tensor* t = f.FloatConst(v);
  if (!t || t->numel() != m) return std::nullopt;
  return std::vector<float>(t->as<float>(), t->as<float>() + m);
}

// Applies y -> s * y + t (s may be empty: identity scale) to the host. False if the host's
// parameters are not constants it can rewrite.
bool ApplyAffine(Fuser& f, int host, const ChannelInfo& ci, const std::vector<float>& s,
                 const std::vector<float>& t) {
  Node& h = f.node(host);
  const int64_t m = ci.m;
  auto scaled = [&](int64_t j) { return s.empty() ? 1.0f : s[j]; };
  if (h.op_type == "Conv" || h.op_type == "MatMul") {
    const bool conv = h.op_type == "Conv";
    const size_t bias_slot = conv ? 2 : kMatMulBiasInput;
    std::vector<float> bias(m, 0.0f);
    if (h.has_input(bias_slot)) {
      auto b = ChannelInput(f, h.inputs[bias_slot], m);
      if (!b) return false;
      bias = *b;
    }
    std::shared_ptr<Tensor> w;
    float alpha = h.GetFloat(kFusedScaleAttr, 1.0f);
    if (!s.empty()) {
      const Tensor* w0 = f.FloatConst(h.inputs[1]);
      bool uniform = true;
      for (float x : s) uniform = uniform && x == s[0];
      if (!conv && uniform && !w0) {
        alpha *= s[0];  // MatMul of two activations: scale the product instead
      } else {
        if (!w0 || (!conv && w0->shape().size() != 2)) return false;
        if (w0->shape()[conv ? 0 : 1] != m) return false;
        w = FloatTensor(w0->shape());
        const int64_t n = w0->numel(), inner = conv ? n / m : 1;
        for (int64_t i = 0; i < n; ++i) {
          const int64_t ch = conv ? i / inner : i % m;
          w->as<float>()[i] = w0->as<float>()[i] * s[ch];
        }
      }
    }
    auto b = FloatTensor({m});
    for (int64_t j = 0; j < m; ++j) b->as<float>()[j] = bias[j] * scaled(j) + t[j];
    if (w) f.SetInput(host, 1, f.NewConst(h.name + "_fused_w", w));
    f.SetInput(host, bias_slot, f.NewConst(h.name + "_fused_b", b));
    if (!conv && alpha != 1.0f) {
      Attribute a;
      a.kind = Attribute::Kind::kFloat;
      a.f = alpha;
      f.node(host).attrs[kFusedScaleAttr] = a;
    }
    return true;
  }
  if (h.op_type == "BatchNormalization") {
    auto sc = ChannelInput(f, h.inputs[1], m);
    auto bi = ChannelInput(f, h.inputs[2], m);
    if (!sc || !bi || !ChannelInput(f, h.inputs[3], m) || !ChannelInput(f, h.inputs[4], m))
      return false;
    auto ns = FloatTensor({m}), nb = FloatTensor({m});
    for (int64_t j = 0; j < m; ++j) {
      ns->as<float>()[j] = (*sc)[j] * scaled(j);
      nb->as<float>()[j] = (*bi)[j] * scaled(j) + t[j];
    }
    f.SetInput(host, 1, f.NewConst(h.name + "_fused_scale", ns));
    f.SetInput(host, 2, f.NewConst(h.name + "_fused_b", nb));
    return true;
  }
  return false;
}

bool FoldBatchNorm(Fuser& f, int host, int bn) {
  const Node& h = f.node(host);
  const Node& b = f.node(bn);
  if (h.op_type != "Conv" && h.op_type != "MatMul") return false;
  if (HasAct(h) || HasResidual(h)) return false;
  if (b.opset >= 14 && b.GetInt("training_mode", 0) != 0) return false;
  if (b.opset < 9 && b.GetInt("spatial", 1) == 0) return false;
  for (size_t o = 1; o < b.outputs.size(); ++o)
    if (b.outputs[o] != kNoValue) return false;
  if (b.inputs.size() < 5 || b.inputs[0] != h.outputs[0]) return false;
  auto ci = HostChannels(f, h);
  // BatchNormalization's channels are dim 1: a MatMul host must be [rows, N].
  if (!ci || ci->axis != 1) return false;
  std::vector<std::optional<std::vector<float>>> p;
  for (int i = 1; i < 5; ++i) p.push_back(ChannelInput(f, b.inputs[i], ci->m));
  for (const auto& x : p)
    if (!x) return false;
  const double eps = b.GetFloat("epsilon", 1e-5f);
  std::vector<float> s(ci->m), t(ci->m);
  for (int64_t j = 0; j < ci->m; ++j) {
    const double a = (*p[0])[j] / std::sqrt(static_cast<double>((*p[3])[j]) + eps);
    s[j] = static_cast<float>(a);
    t[j] = static_cast<float>((*p[1])[j] - (*p[2])[j] * a);
  }
  const int out = b.outputs[0];
  if (!ApplyAffine(f, host, *ci, s, t)) return false;
  f.Absorb(host, {bn}, out);
  return true;
}

int OtherOf(const Node& n, int v) {
  if (n.inputs.size() != 2) return -1;
  if (n.inputs[0] == v && n.inputs[1] != v) return n.inputs[1];
  if (n.inputs[1] == v && n.inputs[0] != v) return n.inputs[0];
  return -1;
}

bool FoldMul(Fuser& f, int host, int mul) {
  const Node& h = f.node(host);
  if (h.op_type == "Gemm" || HasAct(h) || HasResidual(h)) return false;
  const int c = OtherOf(f.node(mul), h.outputs[0]);
  const Tensor* ct = f.FloatConst(c);
  auto ci = HostChannels(f, h);
  if (!ct || !ci) return false;
  auto s = ChannelVector(*ct, ci->rank, ci->axis, ci->m);
  if (!s) return false;
  const int out = f.node(mul).outputs[0];
  if (!ApplyAffine(f, host, *ci, *s, std::vector<float>(ci->m, 0.0f))) return false;
  f.Absorb(host, {mul}, out);
  return true;
}

// Gemm: C' = beta * C + c, beta = 1, for any constant c broadcasting to [M, N].
bool FoldGemmAdd(Fuser& f, int host, int add, int c) {
  const Node& h = f.node(host);
  const Tensor* ct = f.FloatConst(c);
  const Shape* y = f.ShapeOf(h.outputs[0]);
  if (!ct || !y || y->size() != 2 || ct->shape().size() > 2) return false;
  const Tensor* c0 = h.has_input(2) ? f.FloatConst(h.inputs[2]) : nullptr;
  if (h.has_input(2) && (!c0 || c0->shape().size() > 2)) return false;
  Shape cs = ct->shape();
  cs.insert(cs.begin(), 2 - cs.size(), 1);
  Shape bs = c0 ? c0->shape() : Shape{1, 1};
  bs.insert(bs.begin(), 2 - bs.size(), 1);
  Shape r(2);
  for (int i = 0; i < 2; ++i) {
    if ((cs[i] != 1 && cs[i] != (*y)[i]) || (bs[i] != 1 && bs[i] != (*y)[i])) return false;
    r[i] = std::max(cs[i], bs[i]);
  }
  const float beta = h.GetFloat("beta", 1.0f);
  auto nc = FloatTensor(r);
  for (int64_t i = 0; i < r[0]; ++i)
    for (int64_t j = 0; j < r[1]; ++j) {
      float v = ct->as<float>()[(cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j)];
      if (c0) v += beta * c0->as<float>()[(bs[0] == 1 ? 0 : i) * bs[1] + (bs[1] == 1 ? 0 : j)];
      nc->as<float>()[i * r[1] + j] = v;
    }
  const int out = f.node(add).outputs[0];
  f.SetInput(host, 2, f.NewConst(h.name + "_fused_c", nc));
  Attribute b;
  b.kind = Attribute::Kind::kFloat;
  b.f = 1.0f;
  f.node(host).attrs["beta"] = b;
  f.Absorb(host, {add}, out);
  return true;
}

bool FoldAdd(Fuser& f, int host, int add) {
  const Node& h = f.node(host);
  if (HasAct(h)) return false;
  const int c = OtherOf(f.node(add), h.outputs[0]);
  if (c < 0 || !f.FloatConst(c)) return false;
  if (h.op_type == "Gemm") return FoldGemmAdd(f, host, add, c);
  auto ci = HostChannels(f, h);
  if (!ci) return false;
  auto t = ChannelVector(*f.FloatConst(c), ci->rank, ci->axis, ci->m);
  if (!t) return false;
  const int out = f.node(add).outputs[0];
  if (!ApplyAffine(f, host, *ci, {}, *t)) return false;
  f.Absorb(host, {add}, out);
  return true;
}

}  // namespace socd::graph::fusion_impl
