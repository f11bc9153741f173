// If: runs the branch the condition picks. The branches may return different shapes, in which
// case shape inference leaves the node to the dynamic path (allocating_kernel.h).
#include "absl/strings/str_cat.h"
#include "backends/cpu/kernels/control_flow_body.h"
#include "graph/op_schema.h"
#include "graph/subgraph.h"

namespace socd::cpu {
namespace control_flow {

class IfKernel : public ControlFlowKernel {
 public:
  IfKernel(const graph::Node& n, std::unique_ptr<BodyRunner> then_body,
           std::unique_ptr<BodyRunner> else_body)
      : ControlFlowKernel(n), then_(std::move(then_body)), else_(std::move(else_body)) {}

 private:
  absl::Status Execute(const KernelIo& io, OutputSink& sink) override {
    BodyRunner& branch = ReadBool(io.inputs[0]) ? *then_ : *else_;
    std::vector<TensorView> in(io.inputs.begin() + 1, io.inputs.end());  // the implicit inputs
    std::vector<TensorView> out;
    if (auto s = branch.Run(in, out, io.strings); !s.ok()) return s;
    for (size_t k = 0; k < out.size(); ++k)
      if (auto s = sink.Put(k, out[k]); !s.ok()) return s;
    return absl::OkStatus();
  }

  std::unique_ptr<BodyRunner> then_, else_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateIf(const KernelInfo& info) {
  const graph::Node& n = info.node;
  if (auto s = graph::ValidateControlFlow(n); !s.ok()) return s;
  if (!info.has_input(0) || info.in_dtypes[0] != DType::kBool ||
      graph::NumElements(info.in_shapes[0]) != 1) {
    return info.Error("the condition must be a one-element bool tensor");
  }
  std::vector<DType> dtypes(info.in_dtypes.begin() + 1, info.in_dtypes.end());
  auto then_body = BodyRunner::Create(info, "then_branch", dtypes);
  if (!then_body.ok()) return then_body.status();
  auto else_body = BodyRunner::Create(info, "else_branch", dtypes);
  if (!else_body.ok()) return else_body.status();
  return std::unique_ptr<Kernel>(new IfKernel(n, *std::move(then_body), *std::move(else_body)));
}

}  // namespace control_flow
}  // namespace socd::cpu
