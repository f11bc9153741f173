#include "backends/cpu/cpu_backend.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_features.h"
#include "backends/cpu/cpu_partition.h"
#include "backends/cpu/gemm.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/control_flow_body.h"

namespace socd::cpu {

CpuBackend::CpuBackend(int threads) {
  info_.kind = backends::BackendKind::kCpu;
  info_.threads = threads;
  info_.unified_memory = true;
  const CpuFeatures& f = GetCpuFeatures();
  info_.name = absl::StrCat("cpu (", f.Describe(), ", ", GemmLibraryName(), ")");
}

absl::Status CpuBackend::Supports(const graph::Node& node) const {
  auto def = KernelRegistry::Get().Find(node);
  if (!def.ok()) return def.status();
  return control_flow::CheckBodiesSupported(node);  // a Loop claims its body's nodes too
}

absl::StatusOr<std::unique_ptr<backends::CompiledPartition>> CpuBackend::Compile(
    std::shared_ptr<const graph::Graph> g, const backends::CompileOptions& opts) {
  for (const auto& n : g->nodes) {
    if (auto s = Supports(n); !s.ok()) return s;
  }
  return std::unique_ptr<backends::CompiledPartition>(
      new CpuPartition(std::move(g), std::max(1, opts.threads)));
}

absl::Status EvaluateNode(const graph::Node& node, const std::vector<graph::TensorView>& inputs,
                          std::vector<graph::TensorView>& outputs) {
  auto def = KernelRegistry::Get().Find(node);
  if (!def.ok()) return def.status();
  // A sequence/optional handle would point into this call's short-lived pool: such values are
  // never folded or computed at plan time.
  auto handle = [](const graph::TensorView& v) { return v.dtype == graph::DType::kHandle; };
  if (std::any_of(inputs.begin(), inputs.end(), handle) ||
      std::any_of(outputs.begin(), outputs.end(), handle))
    return absl::UnimplementedError("sequence/optional values are not evaluated ahead of a run");
  KernelInfo info{node, {}, {}, {}, {}, {}, 1};
  for (const auto& in : inputs) {
    info.in_dtypes.push_back(in.dtype);
    info.in_shapes.push_back(in.shape);
    info.in_consts.push_back(in);  // everything is constant while folding
  }
  for (const auto& out : outputs) {
    info.out_dtypes.push_back(out.dtype);
    info.out_shapes.push_back(out.shape);
  }
  auto k = (*def)->create(info);
  if (!k.ok()) return k.status();
  static ThreadPool* serial = new ThreadPool(1);
  // Strings this evaluation creates live until the next EvaluateNode on this thread; callers
  // that keep a string result call Tensor::OwnStrings() at once (folding, plan-time values).
  thread_local graph::StringPool strings;
  strings.Clear();
  KernelIo io{inputs, outputs, serial, &strings};
  return (*k)->Run(io);
}

}  // namespace socd::cpu
