// Reduce* operators (float32) on reduce.comp: one invocation per output element; kept and
// reduced axes each merged where contiguous so any axis set fits the 6+6 push-constant dims.

#include "absl/strings/str_cat.h"
#include "backends/gpu_typed.h"
#include "backends/vulkan/vk_kernel.h"

namespace socd::vulkan {
namespace vk_ops_reduce {

using backends::gpu_typed::ReduceCode;

absl::Status BuildReduce(const KernelContext& k, std::vector<Dispatch>& out) {
  for (int v : {k.in[0], k.out[0]})  // input 1 (axes) is int64
    if (k.dtype(v) != graph::DType::kFloat32)
      return Unimplemented(k, absl::StrCat("tensor type ", graph::DTypeName(k.dtype(v)),
                                           " (reductions compute float32 only)"));
  const int code = ReduceCode(k.node.op_type);
  const graph::Shape& xs = k.shape(k.in[0]);
  // Axes: an attribute before opset 18 (13 for ReduceSum), input 1 since.
  const bool axes_input = k.node.op_type == "ReduceSum" ? k.node.opset >= 13 : k.node.opset >= 18;
  std::vector<int64_t> axes;
  if (axes_input) {
    if (k.has_in(1)) {
      const graph::Tensor* t = k.constant(1);
      if (!t) return Unimplemented(k, "axes known only at run time");
      for (int64_t i = 0; i < t->numel(); ++i) axes.push_back(t->IntAt(i));
    }
  } else {
    axes = k.node.GetInts("axes");
  }
  const int y = k.out[0];
  const int64_t n = graph::NumElements(k.shape(y));
  if (n == 0) return absl::OkStatus();
  if (n > (int64_t{1} << 31) - 1 || graph::NumElements(xs) > (int64_t{1} << 31) - 1)
    return Unimplemented(k, "more than 2^31 elements");
  // noop_with_empty_axes: nothing reduced (count 1), which is the identity for these ops;
  // what ONNX wants from the others then is not pinned down by its tests.
  const bool noop = axes.empty() && k.node.GetInt("noop_with_empty_axes", 0) != 0;
  if (noop && code > 4) return Unimplemented(k, "noop_with_empty_axes");
  const auto layout = backends::gpu_typed::SplitReduceAxes(xs, axes, noop);
  const auto &kd = layout.kept_dims, &ks = layout.kept_strides;
  const auto &rd = layout.reduced_dims, &rs = layout.reduced_strides;
  const int64_t count = layout.count;
  if (kd.size() > 6 || rd.size() > 6) return Unimplemented(k, "more than 6 non-adjacent axes");
  Dispatch d;
  d.shader = "reduce";
  d.spec = {code};
  d.push.assign(28, 0);
  d.push[0] = static_cast<int32_t>(n);
  d.push[1] = static_cast<int32_t>(kd.size());
  for (size_t i = 0; i < kd.size(); ++i) {
    d.push[2 + i] = static_cast<int32_t>(kd[i]);
    d.push[8 + i] = static_cast<int32_t>(ks[i]);
  }
  d.push[14] = static_cast<int32_t>(rd.size());
  for (size_t i = 0; i < rd.size(); ++i) {
    d.push[15 + i] = static_cast<int32_t>(rd[i]);
    d.push[21 + i] = static_cast<int32_t>(rs[i]);
  }
  d.push[27] = static_cast<int32_t>(count);
  d.bindings = {{k.in[0]}, {y}};
  d.label = k.node.Describe();
  Groups1D(d, n);
  out.push_back(std::move(d));
  return absl::OkStatus();
}

}  // namespace vk_ops_reduce

const std::vector<OpEntry>& ReduceOps() {
  static const std::vector<OpEntry> ops = [] {
    std::vector<OpEntry> v;
    for (const char* op :
         {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
          "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"})
      v.push_back({op, vk_ops_reduce::BuildReduce});
    return v;
  }();
  return ops;
}

}  // namespace socd::vulkan
