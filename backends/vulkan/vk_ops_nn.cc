// Convolution (1-D to 3-D, grouped/depthwise, pads, strides, dilations, fused bias/residual/
// activation), BatchNormalization (inference and training), LRN, LayerNormalization and
// Softmax; the operator table also lists pooling (vk_ops_pool.cc).
#include <limits>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/vk_kernel.h"
#include "backends/vulkan/vk_ops_window.h"
#include "graph/passes/fusion.h"

namespace socd::vulkan {

absl::StatusOr<Window> WindowGeometry(const KernelContext& k, const graph::Shape& x,
                                      const graph::Shape& y, std::vector<int64_t> kernel) {
  const size_t sp = x.size() - 2;
  if (sp < 1 || sp > 3) return Unimplemented(k, absl::StrCat(sp, "-D spatial dims"));
  Window w;
  auto get = [&](const char* name, int64_t def) {
    std::vector<int64_t> v = k.node.GetInts(name);
    if (v.empty()) v.assign(sp, def);
    return v;
  };
  std::vector<int64_t> st = get("strides", 1), dil = get("dilations", 1);
  std::vector<int64_t> pads = k.node.GetInts("pads");
  if (pads.empty()) pads.assign(2 * sp, 0);
  if (kernel.size() != sp || st.size() != sp || dil.size() != sp || pads.size() != 2 * sp)
    return Unimplemented(k, "attribute lengths do not match the spatial rank");
  const std::string auto_pad = k.node.GetString("auto_pad", "NOTSET");
  for (size_t i = 0; i < sp; ++i) {
    const int64_t in = x[2 + i], out = y[2 + i];
    if (auto_pad == "VALID") {
      pads[i] = pads[i + sp] = 0;
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      int64_t total = std::max<int64_t>(0, (out - 1) * st[i] + (kernel[i] - 1) * dil[i] + 1 - in);
      int64_t small = total / 2;
      pads[i] = auto_pad == "SAME_UPPER" ? small : total - small;
      pads[i + sp] = total - pads[i];
    } else if (auto_pad != "NOTSET") {
      return Unimplemented(k, absl::StrCat("auto_pad ", auto_pad));
    }
  }
  if (sp == 3) {
    w.D = x[2], w.H = x[3], w.W = x[4], w.OD = y[2], w.OH = y[3], w.OW = y[4];
    w.kd = kernel[0], w.kh = kernel[1], w.kw = kernel[2];
    w.sd = st[0], w.sh = st[1], w.sw = st[2];
    w.pf = pads[0], w.pt = pads[1], w.pl = pads[2], w.pk = pads[3], w.pb = pads[4], w.pr = pads[5];
    w.dd = dil[0], w.dh = dil[1], w.dw = dil[2];
  } else if (sp == 2) {
    w.H = x[2], w.W = x[3], w.OH = y[2], w.OW = y[3];
    w.kh = kernel[0], w.kw = kernel[1], w.sh = st[0], w.sw = st[1];
    w.pt = pads[0], w.pl = pads[1], w.pb = pads[2], w.pr = pads[3];
    w.dh = dil[0], w.dw = dil[1];
  } else {
    w.W = x[2], w.OW = y[2], w.kw = kernel[0], w.sw = st[0], w.pl = pads[0], w.pr = pads[1];
    w.dw = dil[0];
  }
  return w;
}

namespace vk_ops_nn {

int64_t Prod(const graph::Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to && i < s.size(); ++i) p *= s[i];
  return p;
}

int32_t I(int64_t v) { return static_cast<int32_t>(v); }

absl::Status BuildConv(const KernelContext& k, std::vector<Dispatch>& out) {
  if (auto s = RequireFloat32(k); !s.ok()) return s;
  const graph::Shape& xs = k.shape(k.in[0]);
  const graph::Shape& ws = k.shape(k.in[1]);
  const graph::Shape& ys = k.shape(k.out[0]);
  if (xs.size() < 3 || ws.size() != xs.size()) return Unimplemented(k, "input rank");
  std::vector<int64_t> kernel(ws.begin() + 2, ws.end());
  auto w = WindowGeometry(k, xs, ys, kernel);
  if (!w.ok()) return w.status();
  const bool depth = xs.size() == 5;
  const int64_t G = k.node.GetInt("group", 1);
  const int64_t C = xs[1], KO = ws[0];
  if (G <= 0 || C % G != 0 || KO % G != 0 || ws[1] != C / G)
    return Unimplemented(k, "group does not divide the channels");
  if (graph::NumElements(ys) == 0) return absl::OkStatus();
  auto act = FusedActivation(k.node);
  if (!act.ok()) return act.status();
  Dispatch d;
  d.shader = "conv";
  const int64_t kg = KO / G, P = w->OD * w->OH * w->OW;
  const bool depthwise = kg == 1;
  const int TM = depthwise ? 1 : 4, TN = 4, LX = depthwise ? 64 : 16, LY = depthwise ? 1 : 4;
  d.spec = {TM, LX, LY, depth ? 1 : 0};
  d.fp16 = k.fp16 && k.is_constant(k.in[1]);
  int flags = 0;
  const int y = k.out[0];
  int bias = y, res = y;
  if (k.has_in(2)) {
    bias = k.in[2];
    flags |= 1;
  }
  if (k.has_in(graph::kConvResidualInput)) {
    res = k.in[graph::kConvResidualInput];
    if (k.shape(res) != ys) return Unimplemented(k, "residual of another shape");
    flags |= 2;
  }
  d.push = {0,
            I(C),
            I(w->H),
            I(w->W),
            I(KO),
            I(w->OH),
            I(w->OW),
            I(w->kh),
            I(w->kw),
            I(w->sh),
            I(w->sw),
            I(w->pt),
            I(w->pl),
            I(w->dh),
            I(w->dw),
            I(G),
            flags,
            act->code,
            FloatBits(act->alpha),
            FloatBits(act->beta)};
  if (depth)
    d.push.insert(d.push.end(), {I(w->D), I(w->OD), I(w->kd), I(w->sd), I(w->pf), I(w->dd)});
  d.bindings = {{k.in[0]}, {k.in[1], d.fp16}, {bias}, {res}, {y}};
  d.groups[0] = static_cast<uint32_t>((P + LX * TN - 1) / (LX * TN));
  d.groups[1] = static_cast<uint32_t>((kg + LY * TM - 1) / (LY * TM));
  d.groups[2] = static_cast<uint32_t>(xs[0] * G);
  if (d.groups[0] > 65535 || d.groups[1] > 65535 || d.groups[2] > 65535)
    return Unimplemented(k, "too many workgroups");
  d.label = k.node.Describe();
  out.push_back(std::move(d));
  return absl::OkStatus();
}

// Training mode (opset 14+): batch statistics, normalization and the running statistics in
// one dispatch of one workgroup per channel (batchnorm_train.comp).
absl::Status BatchNormTraining(const KernelContext& k, const Activation& act,
                               std::vector<Dispatch>& out) {
  const graph::Shape& xs = k.shape(k.in[0]);
  const int64_t C = xs[1];
  for (size_t i = 1; i < 5; ++i)
    if (graph::NumElements(k.shape(k.in[i])) != C)
      return Unimplemented(k, "training mode with parameters not of C elements");
  if (C == 0) return absl::OkStatus();
  if (graph::NumElements(xs) > std::numeric_limits<int32_t>::max())
    return Unimplemented(k, "more than 2^31 elements");
  int flags = 0, mean = k.out[0], var = k.out[0];  // absent outputs bind Y, never written
  if (k.out.size() > 1 && k.out[1] != graph::kNoValue) {
    mean = k.out[1];
    flags |= 1;
  }
  if (k.out.size() > 2 && k.out[2] != graph::kNoValue) {
    var = k.out[2];
    flags |= 2;
  }
  Dispatch d;
  d.shader = "batchnorm_train";
  d.push = {I(xs[0]),
            I(C),
            I(Prod(xs, 2, xs.size())),
            FloatBits(k.node.GetFloat("epsilon", 1e-5f)),
            FloatBits(k.node.GetFloat("momentum", 0.9f)),
            flags,
            act.code,
            FloatBits(act.alpha),
            FloatBits(act.beta)};
  d.bindings = {{k.in[0]}, {k.in[1]}, {k.in[2]}, {k.in[3]}, {k.in[4]}, {k.out[0]}, {mean}, {var}};
  d.label = k.node.Describe();
  d.groups[0] = static_cast<uint32_t>(std::min<int64_t>(C, 65535));
  d.groups[1] = static_cast<uint32_t>((C + 65534) / 65535);
  out.push_back(std::move(d));
  return absl::OkStatus();
}

absl::Status BuildBatchNorm(const KernelContext& k, std::vector<Dispatch>& out) {
  if (auto s = RequireFloat32(k); !s.ok()) return s;
  for (size_t i = 0; i < 5; ++i)
    if (!k.has_in(i)) return Unimplemented(k, "missing input");
  const graph::Shape& xs = k.shape(k.in[0]);
  if (xs.size() < 2) return Unimplemented(k, "input rank");
  auto act = FusedActivation(k.node);
  if (!act.ok()) return act.status();
  // training_mode exists from opset 14; older training graphs' extra outputs are refused.
  if (k.node.opset >= 14 && k.node.GetInt("training_mode", 0) != 0)
    return BatchNormTraining(k, *act, out);
  if (k.out.size() > 1 && k.out[1] != graph::kNoValue)
    return Unimplemented(k, "statistics outputs outside training mode");
  const int64_t n = graph::NumElements(xs);
  if (n == 0) return absl::OkStatus();
  Dispatch d;
  d.shader = "batchnorm";
  d.push = {I(n),
            I(xs[1]),
            I(Prod(xs, 2, xs.size())),
            FloatBits(k.node.GetFloat("epsilon", 1e-5f)),
            act->code,
            FloatBits(act->alpha),
            FloatBits(act->beta)};
  d.bindings = {{k.in[0]}, {k.in[1]}, {k.in[2]}, {k.in[3]}, {k.in[4]}, {k.out[0]}};
  d.label = k.node.Describe();
  Groups1D(d, n);
  out.push_back(std::move(d));
  return absl::OkStatus();
}

absl::Status BuildLrn(const KernelContext& k, std::vector<Dispatch>& out) {
  if (auto s = RequireFloat32(k); !s.ok()) return s;
  const graph::Shape& xs = k.shape(k.in[0]);
  if (xs.size() < 2) return Unimplemented(k, "input rank");
  const int64_t n = graph::NumElements(xs);
  if (n == 0) return absl::OkStatus();
  Dispatch d;
  d.shader = "lrn";
  d.push = {I(n),
            I(xs[1]),
            I(Prod(xs, 2, xs.size())),
            I(k.node.GetInt("size", 1)),
            FloatBits(k.node.GetFloat("alpha", 1e-4f)),
            FloatBits(k.node.GetFloat("beta", 0.75f)),
            FloatBits(k.node.GetFloat("bias", 1.0f))};
  d.bindings = {{k.in[0]}, {k.out[0]}};
  d.label = k.node.Describe();
  Groups1D(d, n);
  out.push_back(std::move(d));
  return absl::OkStatus();
}

absl::Status BuildLayerNorm(const KernelContext& k, std::vector<Dispatch>& out) {
  if (auto s = RequireFloat32(k); !s.ok()) return s;
  const graph::Shape& xs = k.shape(k.in[0]);
  int64_t axis = k.node.GetInt("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(xs.size());
  if (axis < 0 || axis > static_cast<int64_t>(xs.size())) return Unimplemented(k, "axis");
  const int64_t len = Prod(xs, axis, xs.size()), rows = Prod(xs, 0, axis);
  const int64_t sn = graph::NumElements(k.shape(k.in[1]));
  if (sn != len && sn != 1) return Unimplemented(k, "scale does not cover the normalized dims");
  int flags = 0, bias = k.in[1];
  int64_t bstride = 0;
  if (k.has_in(2)) {
    const int64_t bn = graph::NumElements(k.shape(k.in[2]));
    if (bn != len && bn != 1) return Unimplemented(k, "bias does not cover the normalized dims");
    bias = k.in[2];
    bstride = bn == 1 ? 0 : 1;
    flags = 1;
  }
  if (rows * len == 0) return absl::OkStatus();
  // Optional Mean / InvStdDev outputs (one per row); absent ones bind Y, never written.
  int mean = k.out[0], istd = k.out[0];
  if (k.out.size() > 1 && k.out[1] != graph::kNoValue) {
    mean = k.out[1];
    flags |= 2;
  }
  if (k.out.size() > 2 && k.out[2] != graph::kNoValue) {
    istd = k.out[2];
    flags |= 4;
  }
  Dispatch d;
  d.shader = "layernorm";
  d.push = {I(rows), I(len),          FloatBits(k.node.GetFloat("epsilon", 1e-5f)),
            flags,   sn == 1 ? 0 : 1, I(bstride)};
  d.bindings = {{k.in[0]}, {k.in[1]}, {bias}, {k.out[0]}, {mean}, {istd}};
  d.label = k.node.Describe();
  Groups1D(d, rows);
  out.push_back(std::move(d));
  return absl::OkStatus();
}

absl::Status BuildSoftmax(const KernelContext& k, std::vector<Dispatch>& out) {
  if (auto s = RequireFloat32(k); !s.ok()) return s;
  const graph::Shape& xs = k.shape(k.in[0]);
  const int64_t r = static_cast<int64_t>(xs.size());
  const bool legacy = k.node.opset < 13;
  int64_t axis = k.node.GetInt("axis", legacy ? 1 : -1);
  if (axis < 0) axis += r;
  if (r == 0) axis = 0;
  if (axis < 0 || (r > 0 && axis >= r)) return Unimplemented(k, "axis out of range");
  int64_t L, inner, outer;
  if (legacy) {
    outer = Prod(xs, 0, axis);
    L = Prod(xs, axis, xs.size());
    inner = 1;
  } else {
    outer = Prod(xs, 0, axis);
    L = r == 0 ? 1 : xs[axis];
    inner = Prod(xs, axis + 1, xs.size());
  }
  if (outer * L * inner == 0) return absl::OkStatus();
  Dispatch d;
  d.shader = "softmax";
  const int mode = k.node.op_type == "LogSoftmax" ? 1 : k.node.op_type == "Hardmax" ? 2 : 0;
  d.push = {I(outer * inner), I(L), I(inner), mode};
  d.bindings = {{k.in[0]}, {k.out[0]}};
  d.label = k.node.Describe();
  Groups1D(d, outer * inner);
  out.push_back(std::move(d));
  return absl::OkStatus();
}

}  // namespace vk_ops_nn

const std::vector<OpEntry>& NnOps() {
  using namespace vk_ops_nn;
  static const std::vector<OpEntry> ops = {
      {"Conv", BuildConv},
      {"MaxPool", BuildPool},
      {"AveragePool", BuildPool},
      {"LpPool", BuildPool},
      {"GlobalAveragePool", BuildGlobalPool},
      {"GlobalMaxPool", BuildGlobalPool},
      {"GlobalLpPool", BuildGlobalPool},
      {"BatchNormalization", BuildBatchNorm},
      {"LRN", BuildLrn},
      {"LayerNormalization", BuildLayerNorm},
      {"Softmax", BuildSoftmax},
      {"LogSoftmax", BuildSoftmax},
      {"Hardmax", BuildSoftmax},
  };
  return ops;
}

}  // namespace socd::vulkan
