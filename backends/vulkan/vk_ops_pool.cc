// Pooling: Max (float32, float16, bfloat16, int8, uint8; optional int64 Indices with
// storage_order), Average, Lp over 1-D to 3-D windows, and the Global variants (float32).
#include <limits>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/vk_kernel.h"
#include "backends/vulkan/vk_ops_window.h"

namespace socd::vulkan {
namespace vk_ops_pool {

int32_t I(int64_t v) { return static_cast<int32_t>(v); }

// pool.comp's element types (its DT specialization constant, an ONNX dtype number); 0 for
// those it cannot read.
int PoolDType(graph::DType t) {
  switch (t) {
    case graph::DType::kFloat32:
    case graph::DType::kUInt8:
    case graph::DType::kInt8:
    case graph::DType::kFloat16:
    case graph::DType::kBFloat16:
      return static_cast<int>(t);
    default:
      return 0;
  }
}

// `dt`: pool.comp's DT; `indices`: the Indices value (kNoValue: none) with its storage order.
absl::Status PoolDispatch(const KernelContext& k, const Window& w, int mode, float p, int dt,
                          int indices, int storage_order, std::vector<Dispatch>& out) {
  const int64_t n = graph::NumElements(k.shape(k.out[0]));
  if (n == 0) return absl::OkStatus();
  const bool idx = indices != graph::kNoValue;
  Dispatch d;
  d.shader = "pool";
  d.spec = {dt, idx ? 1 : 0};
  d.push = {I(n),    0,       I(w.H),  I(w.W),       I(w.OH),      I(w.OW), I(w.kh),
            I(w.kw), I(w.sh), I(w.sw), I(w.pt),      I(w.pl),      I(w.dh), I(w.dw),
            mode,    I(w.pb), I(w.pr), FloatBits(p), I(w.D),       I(w.OD), I(w.kd),
            I(w.sd), I(w.pf), I(w.dd), I(w.pk),      storage_order};
  // Without Indices, binding 2 is Y again: the shader never writes it then.
  d.bindings = {{k.in[0]}, {k.out[0]}, {idx ? indices : k.out[0]}};
  d.label = k.node.Describe();
  // One invocation per output word: 4 outputs of 8 bits, 2 of 16, 1 of 32.
  const int per = dt == 2 || dt == 3 ? 4 : dt == 10 || dt == 16 ? 2 : 1;
  Groups1D(d, (n + per - 1) / per);
  out.push_back(std::move(d));
  return absl::OkStatus();
}

}  // namespace vk_ops_pool

absl::Status BuildPool(const KernelContext& k, std::vector<Dispatch>& out) {
  using namespace vk_ops_pool;
  const bool max = k.node.op_type == "MaxPool";
  const graph::DType xt = k.dtype(k.in[0]);
  // Only MaxPool is defined on integers; averages of narrow floats are not worth a path.
  const int dt = max ? PoolDType(xt) : xt == graph::DType::kFloat32 ? 1 : 0;
  if (dt == 0 || k.dtype(k.out[0]) != xt)
    return Unimplemented(k, absl::StrCat(k.node.op_type, " on ", graph::DTypeName(xt)));
  int indices = graph::kNoValue;
  if (k.out.size() > 1 && k.out[1] != graph::kNoValue) {
    indices = k.out[1];
    if (!max || k.dtype(indices) != graph::DType::kInt64)
      return Unimplemented(k, "an Indices output other than MaxPool's int64");
  }
  const graph::Shape& xs = k.shape(k.in[0]);
  if (xs.size() < 3) return Unimplemented(k, "input rank");
  if (graph::NumElements(xs) > std::numeric_limits<int32_t>::max() ||
      graph::NumElements(k.shape(k.out[0])) > std::numeric_limits<int32_t>::max() / 2)
    return Unimplemented(k, "more than 2^31 elements");
  auto w = WindowGeometry(k, xs, k.shape(k.out[0]), k.node.GetInts("kernel_shape"));
  if (!w.ok()) return w.status();
  int mode = 0;
  float p = 2;
  if (k.node.op_type == "AveragePool") {
    mode = k.node.GetInt("count_include_pad", 0) ? 1 : 2;
  } else if (k.node.op_type == "LpPool") {
    mode = 3;
    p = static_cast<float>(k.node.GetInt("p", 2));
  }
  const int storage_order = static_cast<int>(k.node.GetInt("storage_order", 0));
  return PoolDispatch(k, *w, mode, p, dt, indices, storage_order, out);
}

absl::Status BuildGlobalPool(const KernelContext& k, std::vector<Dispatch>& out) {
  using namespace vk_ops_pool;
  if (auto s = RequireFloat32(k); !s.ok()) return s;
  const graph::Shape& xs = k.shape(k.in[0]);
  if (xs.size() < 3) return Unimplemented(k, "input rank");
  Window w;
  w.W = 1;
  for (size_t i = 2; i < xs.size(); ++i) w.W *= xs[i];
  w.kw = w.W;
  int mode = k.node.op_type == "GlobalMaxPool" ? 0 : k.node.op_type == "GlobalLpPool" ? 3 : 2;
  return PoolDispatch(k, w, mode, static_cast<float>(k.node.GetInt("p", 2)), 1, graph::kNoValue, 0,
                      out);
}

}  // namespace socd::vulkan
