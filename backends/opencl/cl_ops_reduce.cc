// Reduce* operators (float32) on kernels/reduce.cl: one work-item per output element; kept and
// reduced axes each merged where contiguous so any axis set fits the kernel's 8 + 8 dims.

#include "absl/strings/str_cat.h"
#include "backends/gpu_typed.h"
#include "backends/opencl/cl_ops.h"

namespace socd::opencl {
namespace cl_ops_reduce {

using backends::gpu_typed::ReduceCode;

// Right-aligned in 8 slots, 1 / 0 before.
void Pad8(const std::vector<int64_t>& d, const std::vector<int64_t>& s, std::array<int32_t, 8>* dd,
          std::array<int32_t, 8>* ss) {
  dd->fill(1);
  ss->fill(0);
  const size_t off = 8 - d.size();
  for (size_t i = 0; i < d.size(); ++i) {
    (*dd)[off + i] = static_cast<int32_t>(d[i]);
    (*ss)[off + i] = static_cast<int32_t>(s[i]);
  }
}

absl::StatusOr<std::vector<ClDispatch>> LowerReduce(const LowerCtx& c) {
  for (graph::DType t : {c.in_dtype(0), c.out_dtype(0)})  // input 1 (axes) is int64
    if (t != graph::DType::kFloat32)
      return c.Unimplemented(
          absl::StrCat("tensor type ", graph::DTypeName(t), " (reductions compute float32 only)"));
  const graph::Shape& xs = c.in_shape(0);
  // Axes: an attribute before opset 18 (13 for ReduceSum), input 1 since.
  const bool axes_input = c.node.op_type == "ReduceSum" ? c.node.opset >= 13 : c.node.opset >= 18;
  std::vector<int64_t> axes;
  if (axes_input) {
    if (c.has_in(1)) {
      const graph::Tensor* t = c.in_const(1);
      if (!t) return c.Unimplemented("axes known only at run time");
      for (int64_t i = 0; i < t->numel(); ++i) axes.push_back(t->IntAt(i));
    }
  } else {
    axes = c.node.GetInts("axes");
  }
  const int64_t n = graph::NumElements(c.out_shape());
  if (n == 0) return std::vector<ClDispatch>{};
  if (!FitsInt32(xs)) return c.Unimplemented("more than 2^31 elements");
  // noop_with_empty_axes: nothing reduced (count 1), which is the identity for Sum, Mean,
  // Max, Min and Prod; what ONNX wants from the others then is not pinned down by its tests.
  const bool noop = axes.empty() && c.node.GetInt("noop_with_empty_axes", 0) != 0;
  if (noop && ReduceCode(c.node.op_type) > 4) return c.Unimplemented("noop_with_empty_axes");
  const auto layout = backends::gpu_typed::SplitReduceAxes(xs, axes, noop);
  const auto &kd = layout.kept_dims, &ks = layout.kept_strides;
  const auto &rd = layout.reduced_dims, &rs = layout.reduced_strides;
  const int64_t count = layout.count;
  if (kd.size() > 8 || rd.size() > 8) return c.Unimplemented("more than 8 non-adjacent axes");
  std::array<int32_t, 8> kdd, kss, rdd, rss;
  Pad8(kd, ks, &kdd, &kss);
  Pad8(rd, rs, &rdd, &rss);
  ClDispatch d = Dispatch1D("reduce_f32", n);
  d.args = {ClArg::Value(c.in(0)), ClArg::Value(c.out()),
            ClArg::Int(n),         ClArg::Int(ReduceCode(c.node.op_type)),
            ClArg::Ints8(kdd),     ClArg::Ints8(kss),
            ClArg::Ints8(rdd),     ClArg::Ints8(rss),
            ClArg::Int(count)};
  return std::vector<ClDispatch>{d};
}

}  // namespace cl_ops_reduce

void RegisterReduceOps(ClOpTable& t) {
  for (const char* op :
       {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"})
    t[op] = {cl_ops_reduce::LowerReduce, nullptr};
}

}  // namespace socd::opencl
