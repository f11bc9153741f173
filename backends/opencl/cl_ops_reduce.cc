// Reduce* operators on kernels/reduce.cl (float32) and kernels/typed_reduce.cl (every other
// dtype typed.cl decodes, computed in the dtype's own class): one work-item per output
// element; kept and reduced axes each merged where contiguous so any axis set fits the
// kernels' 8 + 8 dims.

#include "absl/strings/str_cat.h"
#include "backends/gpu_typed.h"
#include "backends/opencl/cl_ops.h"

namespace socd::opencl {
namespace cl_ops_reduce {

using backends::gpu_typed::ReduceCode;
using graph::DType;

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

// The shared dtype rules (gpu_typed::CheckReduceType) plus the device's fp64 support.
absl::Status CheckTypedReduce(const LowerCtx& c, int code, DType t) {
  if (t == DType::kFloat64 && !c.fp64)
    return c.Unimplemented("float64 tensors need cl_khr_fp64, which this device lacks");
  if (auto s = backends::gpu_typed::CheckReduceType(code, t); !s.ok())
    return c.Unimplemented(std::string(s.message()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ClDispatch>> LowerReduce(const LowerCtx& c) {
  const int code = ReduceCode(c.node.op_type);
  const DType t = c.in_dtype(0);  // input 1 (axes) is int64
  if (c.out_dtype(0) != t)
    return c.Unimplemented(absl::StrCat("output type ", graph::DTypeName(c.out_dtype(0)),
                                        " differs from the input's"));
  const bool typed = t != DType::kFloat32;
  if (typed)
    if (auto s = CheckTypedReduce(c, code, t); !s.ok()) return s;
  const graph::Shape& xs = c.in_shape(0);
  // Axes: an attribute before opset 18 (13 for ReduceSum), input 1 since.
  const bool axes_input = c.node.op_type == "ReduceSum" ? c.node.opset >= 13 : c.node.opset >= 18;
  std::vector<int64_t> axes;
  if (axes_input) {
    if (c.has_in(1)) {
      const graph::Tensor* at = c.in_const(1);
      if (!at) return c.Unimplemented("axes known only at run time");
      for (int64_t i = 0; i < at->numel(); ++i) axes.push_back(at->IntAt(i));
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
  if (noop && code > 4) return c.Unimplemented("noop_with_empty_axes");
  const auto layout = backends::gpu_typed::SplitReduceAxes(xs, axes, noop);
  const auto &kd = layout.kept_dims, &ks = layout.kept_strides;
  const auto &rd = layout.reduced_dims, &rs = layout.reduced_strides;
  const int64_t count = layout.count;
  if (kd.size() > 8 || rd.size() > 8) return c.Unimplemented("more than 8 non-adjacent axes");
  std::array<int32_t, 8> kdd, kss, rdd, rss;
  Pad8(kd, ks, &kdd, &kss);
  Pad8(rd, rs, &rdd, &rss);
  if (!typed) {
    ClDispatch d = Dispatch1D("reduce_f32", n);
    d.args = {ClArg::Value(c.in(0)), ClArg::Value(c.out()), ClArg::Int(n),
              ClArg::Int(code),      ClArg::Ints8(kdd),     ClArg::Ints8(kss),
              ClArg::Ints8(rdd),     ClArg::Ints8(rss),     ClArg::Int(count)};
    return std::vector<ClDispatch>{d};
  }
  const int32_t dt = static_cast<int32_t>(t);
  ClDispatch d = Dispatch1D("typed_reduce", n);
  d.args = {ClArg::Value(c.in(0)),
            ClArg::Value(c.out()),
            ClArg::Int(n),
            ClArg::Int(code),
            ClArg::Int(dt),
            ClArg::Int(dt),
            ClArg::Int(backends::gpu_typed::UnaryClass(t)),
            ClArg::Ints8(kdd),
            ClArg::Ints8(kss),
            ClArg::Ints8(rdd),
            ClArg::Ints8(rss),
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
