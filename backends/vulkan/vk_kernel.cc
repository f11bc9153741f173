#include "backends/vulkan/vk_kernel.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace socd::vulkan {

const OpEntry* FindOp(const std::string& op_type) {
  for (const auto* table :
       {&ElementwiseOps(), &LinalgOps(), &NnOps(), &TensorOps(), &TypedOps(), &ReduceOps()})
    for (const OpEntry& e : *table)
      if (op_type == e.op) return &e;
  return nullptr;
}

void Groups1D(Dispatch& d, int64_t n, int local) {
  int64_t groups = std::max<int64_t>(1, (n + local - 1) / local);
  int64_t x = std::min<int64_t>(groups, 65535);
  d.groups[0] = static_cast<uint32_t>(x);
  d.groups[1] = static_cast<uint32_t>((groups + x - 1) / x);
  d.groups[2] = 1;
}

int32_t FloatBits(float f) {
  int32_t i;
  std::memcpy(&i, &f, 4);
  return i;
}

absl::Status Unimplemented(const KernelContext& k, const std::string& why) {
  return absl::UnimplementedError(absl::StrCat("vulkan: ", k.node.Describe(), ": ", why));
}

bool AllFloat32(const KernelContext& k) {
  for (const auto* list : {&k.in, &k.out})
    for (int v : *list)
      if (v != graph::kNoValue && k.dtype(v) != graph::DType::kFloat32) return false;
  return true;
}

absl::Status RequireFloat32(const KernelContext& k) {
  for (int v : k.in)
    if (v != graph::kNoValue && k.dtype(v) != graph::DType::kFloat32)
      return Unimplemented(k, absl::StrCat("input type ", graph::DTypeName(k.dtype(v)),
                                           " (the vulkan shaders compute float32 only)"));
  for (int v : k.out)
    if (v != graph::kNoValue && k.dtype(v) != graph::DType::kFloat32)
      return Unimplemented(k, absl::StrCat("output type ", graph::DTypeName(k.dtype(v)),
                                           " (the vulkan shaders compute float32 only)"));
  return absl::OkStatus();
}

absl::StatusOr<Activation> FusedActivation(const graph::Node& n) {
  Activation a;
  const std::string act = n.GetString("_socd_act", "");
  a.alpha = n.GetFloat("_socd_act_alpha", 0.f);
  a.beta = n.GetFloat("_socd_act_beta", 0.f);
  if (act.empty())
    a.code = 0;
  else if (act == "Relu")
    a.code = 1;
  else if (act == "Clip")
    a.code = 2;
  else if (act == "Sigmoid")
    a.code = 3;
  else if (act == "SiLU")
    a.code = 4;
  else if (act == "LeakyRelu")
    a.code = 5;
  else if (act == "HardSigmoid")
    a.code = 6;
  else if (act == "HardSwish")
    a.code = 7;
  else if (act == "Gelu")
    a.code = 8;
  else if (act == "Tanh")
    a.code = 9;
  else
    return absl::UnimplementedError(
        absl::StrCat("vulkan: ", n.Describe(), ": fused activation '", act, "'"));
  return a;
}

Dispatch CopyDispatch(int src, int dst, int64_t words, const std::string& label) {
  Dispatch d;
  d.shader = "copy";
  d.push.assign(22, 0);
  d.push[0] = static_cast<int32_t>(words);
  d.push[1] = 1;
  d.push[2] = static_cast<int32_t>(words);
  d.push[8] = 1;
  d.push[14] = 1;
  d.bindings = {{src}, {dst}};
  d.label = label;
  Groups1D(d, words);
  return d;
}

}  // namespace socd::vulkan
