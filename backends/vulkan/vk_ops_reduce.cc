// Reduce* operators: one invocation per output element; kept and reduced axes each merged
// where contiguous so any axis set fits the 6+6 push-constant dims. float32 runs reduce.comp;
// every other storable dtype runs reduce_typed.comp (typed.glsl decoding, the dtype's own
// compute class), which needs the typed shaders' shaderInt64, and shaderFloat64 for float64.

#include "absl/strings/str_cat.h"
#include "backends/gpu_typed.h"
#include "backends/vulkan/vk_kernel.h"

namespace socd::vulkan {
namespace vk_ops_reduce {

using backends::gpu_typed::ReduceCode;
using graph::DType;

// The shared dtype rules (gpu_typed::CheckReduceType) plus what this device's shaders need.
absl::Status CheckTypedReduce(const KernelContext& k, int code, DType t) {
  if (!k.typed)
    return Unimplemented(k, absl::StrCat("tensor type ", graph::DTypeName(t),
                                         " (typed shaders need shaderInt64, which this device "
                                         "lacks)"));
  if (t == DType::kFloat64 && !k.float64)
    return Unimplemented(k,
                         "tensor type float64 (needs shaderFloat64, which this device lacks; the "
                         "typed shaders run without double)");
  if (auto s = backends::gpu_typed::CheckReduceType(code, t); !s.ok())
    return Unimplemented(k, std::string(s.message()));
  return absl::OkStatus();
}

absl::Status BuildReduce(const KernelContext& k, std::vector<Dispatch>& out) {
  const int code = ReduceCode(k.node.op_type);
  const int y = k.out[0];
  const DType t = k.dtype(k.in[0]);  // input 1 (axes) is int64
  if (k.dtype(y) != t)
    return Unimplemented(
        k, absl::StrCat("output type ", graph::DTypeName(k.dtype(y)), " differs from the input's"));
  const bool typed = t != DType::kFloat32;
  if (typed)
    if (auto s = CheckTypedReduce(k, code, t); !s.ok()) return s;
  const graph::Shape& xs = k.shape(k.in[0]);
  // Axes: an attribute before opset 18 (13 for ReduceSum), input 1 since.
  const bool axes_input = k.node.op_type == "ReduceSum" ? k.node.opset >= 13 : k.node.opset >= 18;
  std::vector<int64_t> axes;
  if (axes_input) {
    if (k.has_in(1)) {
      const graph::Tensor* at = k.constant(1);
      if (!at) return Unimplemented(k, "axes known only at run time");
      for (int64_t i = 0; i < at->numel(); ++i) axes.push_back(at->IntAt(i));
    }
  } else {
    axes = k.node.GetInts("axes");
  }
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
  if (!typed) {
    d.shader = "reduce";
    d.spec = {code};
    Groups1D(d, n);
  } else {
    // reduce_typed.comp writes outputs narrower than 32 bits a whole word per invocation.
    d.shader = "reduce_typed";
    const int32_t dt = static_cast<int32_t>(t);
    d.spec = {code, dt, dt, backends::gpu_typed::UnaryClass(t)};
    const int64_t size = static_cast<int64_t>(graph::DTypeSize(t));
    const int64_t per = size >= 4 ? 1 : 4 / size;
    Groups1D(d, (n + per - 1) / per);
  }
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
