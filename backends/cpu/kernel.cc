#include "backends/cpu/kernel.h"

#include "backends/cpu/kernels/string_kernels.h"

#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"

namespace socd::cpu {

absl::Status KernelInfo::Error(absl::string_view msg) const {
  return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": ", msg));
}

absl::Status KernelInfo::Unsupported(absl::string_view why) const {
  return absl::UnimplementedError(graph::UnsupportedMessage(node, why));
}

void KernelRegistry::Add(KernelDef d) { defs_.push_back(std::move(d)); }

absl::StatusOr<const KernelDef*> KernelRegistry::Find(const graph::Node& node) const {
  bool known = false;
  for (const auto& d : defs_) {
    if (d.op_type != node.op_type || d.domain != node.domain) continue;
    known = true;
    if (node.opset >= d.min_opset && node.opset <= d.max_opset) return &d;
  }
  return absl::UnimplementedError(graph::UnsupportedMessage(
      node, known ? "the CPU backend does not implement this opset version"
                  : "the CPU backend does not implement it"));
}

const KernelRegistry& KernelRegistry::Get() {
  static const KernelRegistry* reg = [] {
    auto* r = new KernelRegistry;
    RegisterControlFlowKernels(*r);
    RegisterElementwiseKernels(*r);
    RegisterNnKernels(*r);
    RegisterTensorKernels(*r);
    RegisterReduceKernels(*r);
    RegisterQuantKernels(*r);
    RegisterStringKernels(*r);
    RegisterSequenceKernels(*r);
    return r;
  }();
  return *reg;
}

}  // namespace socd::cpu
