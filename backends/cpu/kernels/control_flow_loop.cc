// Loop (every opset: M and cond both optional, loop-carried values, scan outputs concatenated
// along a new first axis) and the registration of the control-flow kernels.
#include "absl/strings/str_cat.h"
#include "backends/cpu/kernels/control_flow_body.h"
#include "backends/memory/copy.h"
#include "graph/op_schema.h"
#include "graph/subgraph.h"

namespace socd::cpu {
namespace control_flow {

class LoopKernel : public ControlFlowKernel {
 public:
  LoopKernel(const graph::Node& n, std::unique_ptr<BodyRunner> body, size_t carried)
      : ControlFlowKernel(n), body_(std::move(body)), carried_(carried) {}

 private:
  absl::Status Execute(const KernelIo& io, OutputSink& sink) override;

  std::unique_ptr<BodyRunner> body_;
  size_t carried_;
};

absl::Status LoopKernel::Execute(const KernelIo& io, OutputSink& sink) {
  const size_t explicit_in = graph::ExplicitInputs(node_);
  const size_t scans = node_.outputs.size() - carried_;
  const int64_t max_trips =
      io.inputs[0].data ? ReadInt64(io.inputs[0]) : std::numeric_limits<int64_t>::max();
  bool cond = io.inputs[1].data ? ReadBool(io.inputs[1]) : true;
  graph::Tensor iter(DType::kInt64, {}), cond_in(DType::kBool, {});
  std::vector<CarriedValue> state(carried_);
  for (size_t k = 0; k < carried_; ++k) state[k].Init(io.inputs[2 + k]);
  // Each scan output's iterations, copied out of the body's arena as they come.
  std::vector<std::vector<std::shared_ptr<graph::Tensor>>> scanned(scans);
  std::vector<TensorView> in(2 + carried_ + (io.inputs.size() - explicit_in));
  in[0] = iter.view();
  in[1] = cond_in.view();
  for (size_t i = explicit_in; i < io.inputs.size(); ++i)
    in[2 + carried_ + i - explicit_in] = io.inputs[i];
  std::vector<TensorView> out;
  int64_t trips = 0;
  for (; trips < max_trips && cond; ++trips) {
    *iter.as<int64_t>() = trips;
    *cond_in.as<uint8_t>() = 1;
    for (size_t k = 0; k < carried_; ++k) in[2 + k] = state[k].view();
    if (auto s = body_->Run(in, out, io.strings); !s.ok()) return s;
    if (out[0].dtype != DType::kBool || out[0].numel() != 1)
      return absl::InvalidArgumentError(
          absl::StrCat(node_.Describe(), ": the body's condition output is not one bool"));
    cond = ReadBool(out[0]);
    for (size_t k = 0; k < carried_; ++k) state[k].Update(out[1 + k]);
    for (size_t j = 0; j < scans; ++j) {
      const TensorView& v = out[1 + carried_ + j];
      if (!scanned[j].empty() &&
          (scanned[j][0]->shape() != v.shape || scanned[j][0]->dtype() != v.dtype)) {
        return absl::InvalidArgumentError(
            absl::StrCat(node_.Describe(), ": scan output ", j, " is ",
                         graph::ShapeToString(v.shape), " in iteration ", trips, " but ",
                         graph::ShapeToString(scanned[j][0]->shape()), " before"));
      }
      auto t = std::make_shared<graph::Tensor>(v.dtype, v.shape);
      memory::CopyBytes(t->data(), v.data, v.bytes());
      scanned[j].push_back(std::move(t));
    }
  }
  for (size_t k = 0; k < carried_; ++k)
    if (auto s = sink.Put(k, state[k].view()); !s.ok()) return s;
  for (size_t j = 0; j < scans; ++j) {
    DType t;
    Shape shape{trips};
    if (!scanned[j].empty()) {
      t = scanned[j][0]->dtype();
      const Shape& each = scanned[j][0]->shape();
      shape.insert(shape.end(), each.begin(), each.end());
    } else {
      // No iteration ran: the body's declared output type says what a slice would have been.
      const graph::Graph& b = body_->graph();
      const graph::TensorType& tt = b.values[b.outputs[1 + carried_ + j]].type;
      t = tt.dtype;
      if (t == DType::kUndefined)
        return absl::UnimplementedError(graph::UnsupportedMessage(
            node_, "zero iterations and the body does not declare its scan output's type"));
      for (const graph::Dim& d : tt.dims) shape.push_back(d.is_static() ? d.value : 0);
    }
    auto dst = sink.Alloc(carried_ + j, t, shape);
    if (!dst.ok()) return dst.status();
    if (!*dst) continue;
    uint8_t* p = static_cast<uint8_t*>(*dst);
    for (const auto& v : scanned[j]) {
      memory::CopyBytes(p, v->data(), v->bytes());
      p += v->bytes();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateLoop(const KernelInfo& info) {
  const graph::Node& n = info.node;
  if (auto s = graph::ValidateControlFlow(n); !s.ok()) return s;
  const size_t explicit_in = graph::ExplicitInputs(n);
  if (info.has_input(0) &&
      (info.in_dtypes[0] != DType::kInt64 || graph::NumElements(info.in_shapes[0]) != 1))
    return info.Error("M must be a one-element int64 tensor");
  if (info.has_input(1) &&
      (info.in_dtypes[1] != DType::kBool || graph::NumElements(info.in_shapes[1]) != 1))
    return info.Error("cond must be a one-element bool tensor");
  std::vector<DType> dtypes = {DType::kInt64, DType::kBool};
  for (size_t i = 2; i < n.inputs.size(); ++i) {
    if (i < explicit_in && !info.has_input(i))
      return info.Error("loop-carried inputs cannot be omitted");
    dtypes.push_back(info.in_dtypes[i]);
  }
  auto body = BodyRunner::Create(info, "body", dtypes);
  if (!body.ok()) return body.status();
  return std::unique_ptr<Kernel>(new LoopKernel(n, *std::move(body), explicit_in - 2));
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateIf(const KernelInfo& info);
absl::StatusOr<std::unique_ptr<Kernel>> CreateScan(const KernelInfo& info);

}  // namespace control_flow

void RegisterControlFlowKernels(KernelRegistry& r) {
  r.Add({"", "Loop", 1, 1000, control_flow::CreateLoop});
  r.Add({"", "If", 1, 1000, control_flow::CreateIf});
  r.Add({"", "Scan", 8, 1000, control_flow::CreateScan});
}

}  // namespace socd::cpu
