// SequenceMap: runs its body once per element of the input sequence(s), collecting each body
// output into an output sequence. The body is compiled like a Loop body (control_flow_body.h)
// for the element types, which only the run's objects tell, so it is compiled at the first run
// and again only when those types change.
#include "absl/strings/str_cat.h"
#include "backends/cpu/kernels/control_flow_body.h"
#include "backends/memory/copy.h"
#include "graph/sequence_type.h"
#include "graph/subgraph.h"

namespace socd::cpu {
namespace sequence_map_kernels {

using graph::HandleObject;

class SequenceMapKernel : public Kernel {
 public:
  explicit SequenceMapKernel(const graph::Node& n) : node_(n) {}
  absl::Status Run(const KernelIo& io) override;

 private:
  const graph::Node& node_;
  std::vector<DType> body_dtypes_;
  std::unique_ptr<control_flow::BodyRunner> body_;
};

absl::Status SequenceMapKernel::Run(const KernelIo& io) {
  if (!io.strings) return absl::InternalError("no run pool for a sequence value");
  const size_t explicit_in = graph::ExplicitInputs(node_);
  auto bad = [&](const std::string& msg) {
    return absl::InvalidArgumentError(absl::StrCat(node_.Describe(), ": ", msg));
  };
  std::vector<const HandleObject*> seqs(io.inputs.size(), nullptr);
  std::vector<DType> dtypes;
  size_t len = 0;
  for (size_t i = 0; i < io.inputs.size(); ++i) {
    if (i < explicit_in && io.inputs[i].dtype == DType::kHandle) {
      seqs[i] = graph::ReadHandle(io.inputs[i]);
      if (!seqs[i] || seqs[i]->kind != HandleObject::Kind::kSequence)
        return bad(absl::StrCat("input ", i, " is not a sequence"));
      if (i == 0) len = seqs[i]->tensors.size();
      if (seqs[i]->tensors.size() != len) return bad("the input sequences have different lengths");
      dtypes.push_back(seqs[i]->elem_dtype);
    } else {
      if (i == 0) return bad("input 0 must be a sequence");
      dtypes.push_back(io.inputs[i].dtype);
    }
  }
  if (!body_ || dtypes != body_dtypes_) {
    KernelInfo info{node_, {}, {}, {}, {}, {}, 1};
    auto b = control_flow::BodyRunner::Create(info, "body", dtypes);
    if (!b.ok()) return b.status();
    body_ = *std::move(b);
    body_dtypes_ = dtypes;
  }
  const graph::Graph& bg = body_->graph();
  if (bg.outputs.size() != node_.outputs.size())
    return bad("the body's outputs do not match the node's");
  std::vector<std::shared_ptr<HandleObject>> results(node_.outputs.size());
  for (size_t o = 0; o < results.size(); ++o) {
    results[o] = std::make_shared<HandleObject>();
    results[o]->elem_dtype = bg.values[bg.outputs[o]].type.dtype;
  }
  std::vector<TensorView> in(io.inputs.size()), out;
  for (size_t k = 0; k < len; ++k) {
    for (size_t i = 0; i < in.size(); ++i)
      in[i] = seqs[i] ? seqs[i]->tensors[k]->view() : io.inputs[i];
    if (auto s = body_->Run(in, out, io.strings); !s.ok()) return s;
    for (size_t o = 0; o < results.size(); ++o) {
      auto t = std::make_shared<graph::Tensor>(out[o].dtype, out[o].shape);
      memory::CopyBytes(t->data(), out[o].data, out[o].bytes());
      results[o]->elem_dtype = out[o].dtype;
      results[o]->tensors.push_back(std::move(t));
    }
  }
  for (size_t o = 0; o < results.size(); ++o) {
    if (!io.outputs[o].data) continue;
    graph::WriteHandle(io.outputs[o],
                       io.strings->Keep(std::shared_ptr<const HandleObject>(results[o])));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceMap(const KernelInfo& info) {
  if (!graph::Subgraph(info.node, "body")) return info.Error("the 'body' subgraph is missing");
  if (info.in_dtypes.empty() || info.in_dtypes[0] != DType::kHandle)
    return info.Error("input 0 must be a sequence");
  return std::unique_ptr<Kernel>(new SequenceMapKernel(info.node));
}

}  // namespace sequence_map_kernels

void RegisterSequenceMapKernel(KernelRegistry& r) {
  r.Add({"", "SequenceMap", 17, 1000, sequence_map_kernels::CreateSequenceMap});
}

}  // namespace socd::cpu
