// Convolution (1-D to 3-D, grouped/depthwise, fused bias/residual/activation) and pooling
// (Max/Average/Lp with pads, strides, dilations, ceil_mode; MaxPool also on float16,
// bfloat16, int8, uint8 and with its Indices output; Global Average/Max).
#include "absl/strings/str_cat.h"
#include "backends/opencl/cl_ops.h"
#include "graph/ops/nn_geometry.h"
#include "graph/passes/fusion.h"

namespace socd::opencl {

namespace cl_ops_conv_pool {

// Spatial dims as (D, H, W): 2-D tensors run as D = 1, 1-D ones as D = H = 1.
struct Dhw {
  int64_t d = 1, h = 1, w = 1;
};
Dhw Spatial(const graph::Shape& s) {
  if (s.size() == 3) return {1, 1, s[2]};
  if (s.size() == 4) return {1, s[2], s[3]};
  return {s[2], s[3], s[4]};
}

absl::Status CheckConv(const graph::Node& n) { return CheckFusedAct(n); }

absl::StatusOr<std::vector<ClDispatch>> LowerConv(const LowerCtx& c) {
  if (auto s = c.RequireFloat32(); !s.ok()) return s;
  const graph::Shape& xs = c.in_shape(0);
  const graph::Shape& ws = c.in_shape(1);
  const graph::Shape& ys = c.out_shape();
  if (xs.size() < 3 || xs.size() > 5) return c.Unimplemented("only 1-D to 3-D convolutions");
  if (ws.size() != xs.size()) return c.Unimplemented("weight rank differs from input rank");
  if (!FitsInt32(xs) || !FitsInt32(ys) || !FitsInt32(ws))
    return c.Unimplemented("more than 2^31 elements");
  const int64_t group = c.node.GetInt("group", 1);
  const int64_t C = xs[1], K = ws[0];
  if (group <= 0 || C % group != 0 || K % group != 0 || ws[1] != C / group)
    return c.Unimplemented("inconsistent group / channel counts");
  std::vector<int64_t> in_sp(xs.begin() + 2, xs.end()), k_sp(ws.begin() + 2, ws.end());
  auto g = graph::ComputeWindow(c.node, in_sp, k_sp, false);
  if (!g.ok()) return g.status();
  int act;
  float aa, ab;
  if (auto s = ReadFusedAct(c.node, &act, &aa, &ab); !s.ok()) return s;
  // Window attributes per (D, H, W), missing leading dims 1 (stride, dilation) or 0 (pad).
  const size_t sp = xs.size() - 2;
  auto at = [&](const std::vector<int64_t>& v, size_t dim, int64_t def) {
    return dim + sp < 3 ? def : v[dim + sp - 3];
  };
  const Dhw in = Spatial(xs), out = Spatial(ys), kr = Spatial(ws);
  const int64_t sd = at(g->strides, 0, 1), sh = at(g->strides, 1, 1), sw = at(g->strides, 2, 1);
  const int64_t pd = at(g->pad_begin, 0, 0), ph = at(g->pad_begin, 1, 0);
  const int64_t pw = at(g->pad_begin, 2, 0);
  const int64_t dd = at(g->dilations, 0, 1), dh = at(g->dilations, 1, 1);
  const int64_t dw = at(g->dilations, 2, 1);
  const bool depth = sp == 3;
  const int64_t Cg = C / group, Kg = K / group;
  // 3-D has no 8-channel variant: one kernel fewer for PoCL to build, and 3-D is rare.
  const int ob = Kg % 8 == 0 && !depth ? 8 : Kg % 4 == 0 ? 4 : 1;
  int flags = 0;
  if (c.has_in(2)) {
    if (graph::NumElements(c.in_shape(2)) != K) return c.Unimplemented("bias must have K elements");
    flags |= 1;
  }
  if (c.has_in(graph::kConvResidualInput)) {
    if (c.in_shape(graph::kConvResidualInput) != ys)
      return c.Unimplemented("residual input must have the output's shape");
    flags |= 2;
  }
  const int64_t pixels = out.d * out.h * out.w;
  ClDispatch d;
  d.kernel = absl::StrCat(depth ? "conv3d_ob" : "conv2d_ob", ob, "_f32");
  d.dims = 3;
  const size_t lx = pixels <= 16 ? 16 : 64;
  d.local = {lx, 1, 1};
  d.global = {(static_cast<size_t>(pixels) + lx - 1) / lx * lx,
              static_cast<size_t>(group * ((Kg + ob - 1) / ob)), static_cast<size_t>(xs[0])};
  d.args = {ClArg::Value(c.in(0)),
            ClArg::Value(c.in(1)),
            flags & 1 ? ClArg::Value(c.in(2)) : ClArg::Null(),
            flags & 2 ? ClArg::Value(c.in(graph::kConvResidualInput)) : ClArg::Null(),
            ClArg::Value(c.out()),
            ClArg::Int(C),
            ClArg::Int(in.h),
            ClArg::Int(in.w),
            ClArg::Int(K),
            ClArg::Int(out.h),
            ClArg::Int(out.w),
            ClArg::Int(kr.h),
            ClArg::Int(kr.w),
            ClArg::Int(sh),
            ClArg::Int(sw),
            ClArg::Int(ph),
            ClArg::Int(pw),
            ClArg::Int(dh),
            ClArg::Int(dw),
            ClArg::Int(Cg),
            ClArg::Int(Kg),
            ClArg::Int(flags),
            ClArg::Int(act),
            ClArg::Float(aa),
            ClArg::Float(ab),
            ClArg::Int(in.d),
            ClArg::Int(out.d),
            ClArg::Int(kr.d),
            ClArg::Int(sd),
            ClArg::Int(pd),
            ClArg::Int(dd)};
  return std::vector<ClDispatch>{d};
}

absl::Status CheckPool(const graph::Node& n) {
  if (n.op_type != "MaxPool" && n.outputs.size() > 1 && n.outputs[1] != graph::kNoValue)
    return absl::UnimplementedError("opencl: an Indices output on " + n.op_type);
  return absl::OkStatus();
}

// pool.cl's maxpool_* kernel for element type t; empty if none.
std::string MaxPoolKernel(graph::DType t) {
  switch (t) {
    case graph::DType::kFloat32:
      return "maxpool_f32";
    case graph::DType::kUInt8:
      return "maxpool_u8";
    case graph::DType::kInt8:
      return "maxpool_i8";
    case graph::DType::kFloat16:
      return "maxpool_f16";
    case graph::DType::kBFloat16:
      return "maxpool_bf16";
    default:
      return "";
  }
}

absl::StatusOr<std::vector<ClDispatch>> LowerPool(const LowerCtx& c) {
  if (auto s = CheckPool(c.node); !s.ok()) return s;
  // MaxPool on narrow types or with Indices: maxpool_*; the rest: pool2d_f32.
  const bool indices = c.has_out(1);
  const std::string maxpool = c.node.op_type == "MaxPool" && (indices || !c.AllFloat32())
                                  ? MaxPoolKernel(c.in_dtype(0))
                                  : "";
  if (maxpool.empty()) {
    if (auto s = c.RequireFloat32(); !s.ok()) return s;
  } else if (c.out_dtype(0) != c.in_dtype(0) ||
             (indices && c.out_dtype(1) != graph::DType::kInt64)) {
    return c.Unimplemented("output types differ from MaxPool's (X's, int64 Indices)");
  }
  const graph::Shape& xs = c.in_shape(0);
  const graph::Shape& ys = c.out_shape();
  if (xs.size() < 3 || xs.size() > 5) return c.Unimplemented("only 1-D to 3-D pooling");
  if (!FitsInt32(xs) || !FitsInt32(ys)) return c.Unimplemented("more than 2^31 elements");
  const std::vector<int64_t> k = c.node.GetInts("kernel_shape");
  if (k.size() != xs.size() - 2) return c.Unimplemented("kernel_shape rank mismatch");
  const bool ceil = c.node.GetInt("ceil_mode", 0) != 0 && c.node.opset >= 10;
  std::vector<int64_t> in_sp(xs.begin() + 2, xs.end());
  auto g = graph::ComputeWindow(c.node, in_sp, k, ceil);
  if (!g.ok()) return g.status();
  const bool avg = c.node.op_type == "AveragePool", lp = c.node.op_type == "LpPool";
  // Spatial values as depth, height, width: missing leading dims are size 1, kernel 1.
  const size_t sp = xs.size() - 2;
  auto dhw = [&](const std::vector<int64_t>& v, int64_t def) {
    std::array<int64_t, 3> a{def, def, def};
    for (size_t i = 0; i < sp; ++i) a[3 - sp + i] = v[i];
    return a;
  };
  const auto in = dhw(in_sp, 1), out = dhw({ys.begin() + 2, ys.end()}, 1), kk = dhw(k, 1);
  const auto st = dhw(g->strides, 1), pb = dhw(g->pad_begin, 0), pe = dhw(g->pad_end, 0);
  const auto dl = dhw(g->dilations, 1);
  const int64_t total = graph::NumElements(ys);
  // Both kernels take the H/W geometry first and depth last (3-D was added after 2-D).
  auto ints = [](std::vector<ClArg>& args, std::initializer_list<int64_t> v) {
    for (int64_t x : v) args.push_back(ClArg::Int(x));
  };
  if (!maxpool.empty()) {
    ClDispatch d = Dispatch1D(maxpool, total);
    const int flags = (indices ? 1 : 0) | (c.node.GetInt("storage_order", 0) == 1 ? 2 : 0);
    d.args = {ClArg::Value(c.in(0)), ClArg::Value(c.out()),
              indices ? ClArg::Value(c.out(1)) : ClArg::Null()};
    ints(d.args, {total, in[1], in[2], out[1], out[2], kk[1], kk[2], st[1], st[2], pb[1],
                  pb[2], dl[1], dl[2], in[0],  out[0], kk[0], st[0], pb[0], dl[0], flags});
    return std::vector<ClDispatch>{d};
  }
  ClDispatch d = Dispatch1D("pool2d_f32", total);
  d.args = {ClArg::Value(c.in(0)), ClArg::Value(c.out())};
  const int64_t mode = avg ? 1 : lp ? 2 : 0;
  const int64_t include_pad = c.node.GetInt("count_include_pad", 0) != 0 ? 1 : 0;
  ints(d.args, {total,       in[1], in[2],  out[1], out[2], kk[1], kk[2], st[1],
                st[2],       pb[1], pb[2],  pe[1],  pe[2],  dl[1], dl[2], mode,
                include_pad, in[0], out[0], kk[0],  st[0],  pb[0], pe[0], dl[0]});
  d.args.push_back(ClArg::Float(static_cast<double>(c.node.GetInt("p", 2))));
  return std::vector<ClDispatch>{d};
}

absl::StatusOr<std::vector<ClDispatch>> LowerGlobalPool(const LowerCtx& c) {
  if (auto s = c.RequireFloat32(); !s.ok()) return s;
  const graph::Shape& xs = c.in_shape(0);
  if (xs.size() < 2 || !FitsInt32(xs)) return c.Unimplemented("input rank below 2");
  const int64_t planes = xs[0] * xs[1];
  const int64_t hw = planes == 0 ? 0 : graph::NumElements(xs) / planes;
  ClDispatch d = Dispatch1D("global_pool_f32", planes);
  d.args = {ClArg::Value(c.in(0)), ClArg::Value(c.out()), ClArg::Int(planes), ClArg::Int(hw),
            ClArg::Int(c.node.op_type == "GlobalAveragePool" ? 1 : 0)};
  return std::vector<ClDispatch>{d};
}

}  // namespace cl_ops_conv_pool

void RegisterConvPoolOps(ClOpTable& t) {
  namespace p = cl_ops_conv_pool;
  t["Conv"] = {p::LowerConv, p::CheckConv};
  t["MaxPool"] = {p::LowerPool, p::CheckPool};
  t["AveragePool"] = {p::LowerPool, p::CheckPool};
  t["LpPool"] = {p::LowerPool, p::CheckPool};
  t["GlobalAveragePool"] = {p::LowerGlobalPool, nullptr};
  t["GlobalMaxPool"] = {p::LowerGlobalPool, nullptr};
}

}  // namespace socd::opencl
