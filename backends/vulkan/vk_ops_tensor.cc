// Data movement: Transpose, Concat, Split, Slice, Expand (all on the strided word copy),
// Gather and Resize/Upsample; and the shape operators that only ever run at plan time.
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernels/tensor_resize_taps.h"
#include "backends/vulkan/vk_kernel.h"
#include "graph/ops/tensor_params.h"

namespace socd::vulkan {
namespace vk_ops_tensor {

namespace tp = graph::tensor_params;
using graph::kNoValue;

int32_t I(int64_t v) { return static_cast<int32_t>(v); }

// Words per element (1 for 4-byte types, 2 for 8-byte ones); 0 if neither.
int Words(graph::DType t) {
  size_t s = graph::DTypeSize(t);
  return s == 4 ? 1 : s == 8 ? 2 : 0;
}

// One strided copy: iterate `dims`, reading src at sbase + sum(i*sstr), writing dst at
// dbase + sum(i*dstr); element strides, converted to words (an extra dim of 2 for 64-bit).
absl::Status Strided(const KernelContext& k, int src, int dst, graph::Shape dims,
                     std::vector<int64_t> sstr, std::vector<int64_t> dstr, int64_t sbase,
                     int64_t dbase, std::vector<Dispatch>& out) {
  const size_t es = graph::DTypeSize(k.dtype(dst));
  // 8/16-bit elements: copied element by element (copy.comp's ESIZE path), strides unscaled.
  const int w = es < 4 && es > 0 ? 1 : Words(k.dtype(dst));
  if (w == 0)
    return Unimplemented(k, absl::StrCat("element type ", graph::DTypeName(k.dtype(dst))));
  int64_t n = graph::NumElements(dims) * w;
  if (n == 0) return absl::OkStatus();
  // Drop size-1 dims and merge dims contiguous in both source and destination.
  graph::Shape md;
  std::vector<int64_t> ms, mdst;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 1) continue;
    if (!md.empty() && ms.back() == sstr[i] * dims[i] && mdst.back() == dstr[i] * dims[i]) {
      md.back() *= dims[i];
      ms.back() = sstr[i];
      mdst.back() = dstr[i];
      continue;
    }
    md.push_back(dims[i]);
    ms.push_back(sstr[i]);
    mdst.push_back(dstr[i]);
  }
  for (auto& s : ms) s *= w;
  for (auto& s : mdst) s *= w;
  if (w == 2) {
    md.push_back(2);
    ms.push_back(1);
    mdst.push_back(1);
  }
  if (md.size() > 6) return Unimplemented(k, "copy over more than 6 dims");
  if (n > (int64_t{1} << 31) - 1) return Unimplemented(k, "too many elements");
  Dispatch d;
  d.shader = "copy";
  if (es < 4) d.spec = {static_cast<int32_t>(es)};
  d.push.assign(22, 0);
  d.push[0] = I(n);
  d.push[1] = I(md.size());
  for (size_t i = 0; i < md.size(); ++i) {
    d.push[2 + i] = I(md[i]);
    d.push[8 + i] = I(ms[i]);
    d.push[14 + i] = I(mdst[i]);
  }
  d.push[20] = I(sbase * w);
  d.push[21] = I(dbase * w);
  d.bindings = {{src}, {dst}};
  d.label = k.node.Describe();
  Groups1D(d, n);
  out.push_back(std::move(d));
  return absl::OkStatus();
}

std::vector<int64_t> Contiguous(const graph::Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

absl::Status BuildTranspose(const KernelContext& k, std::vector<Dispatch>& out) {
  const graph::Shape& xs = k.shape(k.in[0]);
  const graph::Shape& ys = k.shape(k.out[0]);
  std::vector<int64_t> perm = k.node.GetInts("perm");
  if (perm.empty())
    for (int64_t i = static_cast<int64_t>(xs.size()) - 1; i >= 0; --i) perm.push_back(i);
  if (perm.size() != xs.size()) return Unimplemented(k, "perm length");
  std::vector<int64_t> xst = Contiguous(xs), sst(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) sst[i] = xst[perm[i]];
  return Strided(k, k.in[0], k.out[0], ys, sst, Contiguous(ys), 0, 0, out);
}

absl::Status BuildConcat(const KernelContext& k, std::vector<Dispatch>& out) {
  const graph::Shape& ys = k.shape(k.out[0]);
  int64_t axis = k.node.GetInt("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(ys.size());
  if (axis < 0 || axis >= static_cast<int64_t>(ys.size())) return Unimplemented(k, "axis");
  const std::vector<int64_t> yst = Contiguous(ys);
  int64_t offset = 0;
  for (int v : k.in) {
    if (v == kNoValue) continue;
    const graph::Shape& xs = k.shape(v);
    if (auto s = Strided(k, v, k.out[0], xs, Contiguous(xs), yst, 0, offset * yst[axis], out);
        !s.ok())
      return s;
    offset += xs[axis];
  }
  return absl::OkStatus();
}

absl::Status BuildSplit(const KernelContext& k, std::vector<Dispatch>& out) {
  const graph::Shape& xs = k.shape(k.in[0]);
  int64_t axis = k.node.GetInt("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(xs.size());
  if (axis < 0 || axis >= static_cast<int64_t>(xs.size())) return Unimplemented(k, "axis");
  const std::vector<int64_t> xst = Contiguous(xs);
  int64_t offset = 0;
  for (int v : k.out) {
    if (v == kNoValue) return Unimplemented(k, "omitted output");
    const graph::Shape& ys = k.shape(v);
    if (auto s = Strided(k, k.in[0], v, ys, xst, Contiguous(ys), offset * xst[axis], 0, out);
        !s.ok())
      return s;
    offset += ys[axis];
  }
  return absl::OkStatus();
}

absl::Status BuildSlice(const KernelContext& k, std::vector<Dispatch>& out) {
  const graph::Shape& xs = k.shape(k.in[0]);
  std::vector<graph::TensorView> views(k.in.size());
  std::vector<const graph::TensorView*> params(k.in.size(), nullptr);
  for (size_t i = 1; i < k.in.size(); ++i) {
    if (!k.has_in(i)) continue;
    const graph::Tensor* t = k.constant(i);
    if (!t) return Unimplemented(k, "starts/ends/axes/steps known only at run time");
    views[i] = t->view();
    params[i] = &views[i];
  }
  auto ranges = tp::SliceFromNode(k.node, xs, params);
  if (!ranges.ok()) return Unimplemented(k, std::string(ranges.status().message()));
  const std::vector<int64_t> xst = Contiguous(xs);
  graph::Shape dims;
  std::vector<int64_t> sst;
  int64_t base = 0;
  for (size_t i = 0; i < ranges->size(); ++i) {
    dims.push_back((*ranges)[i].count);
    sst.push_back((*ranges)[i].step * xst[i]);
    base += (*ranges)[i].start * xst[i];
  }
  if (dims != k.shape(k.out[0])) return Unimplemented(k, "slice shape differs from the plan");
  // Negative strides make the word copy read backwards; base is the first element read.
  return Strided(k, k.in[0], k.out[0], dims, sst, Contiguous(dims), base, 0, out);
}

absl::Status BuildExpand(const KernelContext& k, std::vector<Dispatch>& out) {
  const graph::Shape& xs = k.shape(k.in[0]);
  const graph::Shape& ys = k.shape(k.out[0]);
  std::vector<int64_t> xst = Contiguous(xs), sst(ys.size(), 0);
  for (int i = static_cast<int>(xs.size()) - 1, j = static_cast<int>(ys.size()) - 1; i >= 0;
       --i, --j)
    sst[j] = xs[i] == 1 ? 0 : xst[i];
  return Strided(k, k.in[0], k.out[0], ys, sst, Contiguous(ys), 0, 0, out);
}

absl::Status BuildGather(const KernelContext& k, std::vector<Dispatch>& out) {
  const graph::Shape& xs = k.shape(k.in[0]);
  const int w = Words(k.dtype(k.in[0]));
  if (w == 0) return Unimplemented(k, "element type");
  const graph::DType it = k.dtype(k.in[1]);
  if (it != graph::DType::kInt64 && it != graph::DType::kInt32)
    return Unimplemented(k, "indices type");
  int64_t axis = k.node.GetInt("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(xs.size());
  if (axis < 0 || axis >= static_cast<int64_t>(xs.size())) return Unimplemented(k, "axis");
  int64_t inner = 1;
  for (size_t i = axis + 1; i < xs.size(); ++i) inner *= xs[i];
  const int64_t ni = graph::NumElements(k.shape(k.in[1]));
  const int64_t n = graph::NumElements(k.shape(k.out[0])) * w;
  if (n == 0) return absl::OkStatus();
  Dispatch d;
  d.shader = "gather";
  d.push = {I(n), I(ni), I(inner * w), I(xs[axis]), it == graph::DType::kInt64 ? 1 : 0};
  d.bindings = {{k.in[0]}, {k.in[1]}, {k.out[0]}};
  d.label = k.node.Describe();
  Groups1D(d, n);
  out.push_back(std::move(d));
  return absl::OkStatus();
}

absl::Status BuildResize(const KernelContext& k, std::vector<Dispatch>& out) {
  if (k.dtype(k.in[0]) != graph::DType::kFloat32) return Unimplemented(k, "non-float32 data");
  auto tables = cpu::tensor_resize::PlanResize2D(
      k.node, k.shape(k.in[0]), k.shape(k.out[0]),
      [&](int i) -> absl::StatusOr<const graph::Tensor*> {
        if (!k.has_in(i)) return nullptr;
        if (const graph::Tensor* t = k.constant(i)) return t;
        return absl::UnimplementedError("roi/scales/sizes known only at run time");
      });
  if (!tables.ok()) return Unimplemented(k, std::string(tables.status().message()));
  const cpu::tensor_resize::Resize2DTables& t = *tables;
  const int64_t n = graph::NumElements(k.shape(k.out[0]));
  if (n == 0) return absl::OkStatus();
  if (n > INT32_MAX) return Unimplemented(k, "more than 2^31 output elements");
  auto table = [](const auto& v, graph::DType dt) {
    auto tensor = std::make_shared<graph::Tensor>(dt, graph::Shape{static_cast<int64_t>(v.size())});
    std::memcpy(tensor->data(), v.data(), tensor->bytes());
    return std::shared_ptr<const graph::Tensor>(std::move(tensor));
  };
  Dispatch d;
  d.shader = "resize";
  d.push = {I(n),       I(t.in_h), I(t.in_w), I(t.out_h),
            I(t.out_w), t.nh,      t.nw,      FloatBits(t.extrapolation_value)};
  d.tables = {table(t.hidx, graph::DType::kInt32), table(t.hw, graph::DType::kFloat32),
              table(t.widx, graph::DType::kInt32), table(t.ww, graph::DType::kFloat32)};
  d.bindings = {{k.in[0]}, {k.out[0]}};
  for (int i = 0; i < 4; ++i) d.bindings.push_back({.table = i});
  d.label = k.node.Describe();
  Groups1D(d, n);
  out.push_back(std::move(d));
  return absl::OkStatus();
}

// Shape arithmetic folds at plan time; reaching a step means its value depends on run-time data.
absl::Status BuildPlanTimeOnly(const KernelContext& k, std::vector<Dispatch>&) {
  return Unimplemented(k, "runs on vulkan only when its output is known at plan time");
}

}  // namespace vk_ops_tensor

const std::vector<OpEntry>& TensorOps() {
  using namespace vk_ops_tensor;
  static const std::vector<OpEntry> ops = {
      {"Transpose", BuildTranspose},   {"Concat", BuildConcat},
      {"Split", BuildSplit},           {"Slice", BuildSlice},
      {"Expand", BuildExpand},         {"Gather", BuildGather},
      {"Resize", BuildResize},         {"Upsample", BuildResize},
      {"Shape", BuildPlanTimeOnly},    {"Size", BuildPlanTimeOnly},
      {"Constant", BuildPlanTimeOnly}, {"ConstantOfShape", BuildPlanTimeOnly},
      {"Range", BuildPlanTimeOnly},
  };
  return ops;
}

}  // namespace socd::vulkan
