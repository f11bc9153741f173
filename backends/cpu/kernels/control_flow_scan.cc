// Scan: opset 9+ (scan_input_axes/directions, scan_output_axes/directions) and opset 8 (a batch
// dimension first, every sequence scanned along axis 1, sequence_lens all full length).
#include <functional>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernels/control_flow_body.h"
#include "backends/memory/copy.h"
#include "graph/op_schema.h"
#include "graph/subgraph.h"

namespace socd::cpu {
namespace control_flow {

// Output k's memory for this dtype and (per batch item) shape; null when omitted.
using ScanAlloc = std::function<absl::StatusOr<void*>(size_t k, DType t, const Shape& shape)>;

class ScanKernel : public ControlFlowKernel {
 public:
  ScanKernel(const graph::Node& n, std::unique_ptr<BodyRunner> body, size_t states, size_t scans)
      : ControlFlowKernel(n), body_(std::move(body)), states_(states), scans_(scans) {
    const size_t outs = n.outputs.size() - states;
    v8_ = n.opset < 9;
    in_axes_ = n.GetInts("scan_input_axes");
    in_dirs_ = n.GetInts(v8_ ? "directions" : "scan_input_directions");
    out_axes_ = n.GetInts("scan_output_axes");
    out_dirs_ = n.GetInts("scan_output_directions");
    in_axes_.resize(scans, 0);
    in_dirs_.resize(scans, 0);
    out_axes_.resize(outs, 0);
    out_dirs_.resize(outs, 0);
  }

 private:
  absl::Status Execute(const KernelIo& io, OutputSink& sink) override;
  // One scan over these states and sequences (no batch dimension).
  absl::Status ScanOnce(const std::vector<TensorView>& states, const std::vector<TensorView>& seqs,
                        const std::vector<TensorView>& implicit, const ScanAlloc& alloc);
  absl::Status Error(const std::string& msg) const {
    return absl::InvalidArgumentError(absl::StrCat(node_.Describe(), ": ", msg));
  }

  std::unique_ptr<BodyRunner> body_;
  size_t states_, scans_;
  bool v8_ = false;
  std::vector<int64_t> in_axes_, in_dirs_, out_axes_, out_dirs_;
  std::vector<std::shared_ptr<graph::Tensor>> scratch_;
};

absl::Status ScanKernel::ScanOnce(const std::vector<TensorView>& states,
                                  const std::vector<TensorView>& seqs,
                                  const std::vector<TensorView>& implicit, const ScanAlloc& alloc) {
  const size_t outs = node_.outputs.size() - states_;
  std::vector<int64_t> axes(scans_);
  int64_t len = -1;
  for (size_t j = 0; j < scans_; ++j) {
    const int64_t rank = static_cast<int64_t>(seqs[j].shape.size());
    const int64_t a = v8_ ? 0 : in_axes_[j];
    if (a < -rank || a >= rank) return Error(absl::StrCat("scan_input_axes[", j, "] out of range"));
    axes[j] = a < 0 ? a + rank : a;
    if (len >= 0 && seqs[j].shape[axes[j]] != len) return Error("scan inputs differ in length");
    len = seqs[j].shape[axes[j]];
  }
  std::vector<CarriedValue> state(states_);
  for (size_t k = 0; k < states_; ++k) state[k].Init(states[k]);
  std::vector<TensorView> in(states_ + scans_ + implicit.size());
  std::copy(implicit.begin(), implicit.end(), in.begin() + states_ + scans_);
  scratch_.resize(scans_);
  std::vector<TensorView> dst(outs);  // stacked scan outputs
  std::vector<int64_t> out_axis(outs);
  std::vector<TensorView> out;
  for (int64_t t = 0; t < len; ++t) {
    for (size_t k = 0; k < states_; ++k) in[k] = state[k].view();
    for (size_t j = 0; j < scans_; ++j)
      in[states_ + j] = SliceAt(seqs[j], axes[j], in_dirs_[j] ? len - 1 - t : t, scratch_[j]);
    if (auto s = body_->Run(in, out, /*run_pool=*/nullptr); !s.ok()) return s;
    for (size_t k = 0; k < states_; ++k) state[k].Update(out[k]);
    for (size_t k = 0; k < outs; ++k) {
      const TensorView& v = out[states_ + k];
      Shape each = dst[k].shape;
      if (t == 0) {
        const int64_t rank = static_cast<int64_t>(v.shape.size()) + 1;
        const int64_t a = v8_ ? 0 : out_axes_[k];
        if (a < -rank || a >= rank)
          return Error(absl::StrCat("scan_output_axes[", k, "] out of range"));
        out_axis[k] = a < 0 ? a + rank : a;
        Shape full = v.shape;
        full.insert(full.begin() + out_axis[k], len);
        auto p = alloc(states_ + k, v.dtype, full);
        if (!p.ok()) return p.status();
        dst[k] = {v.dtype, full, *p};
      } else {
        each.erase(each.begin() + out_axis[k]);
        if (each != v.shape || v.dtype != dst[k].dtype)
          return Error(absl::StrCat("scan output ", k, " changes shape between iterations"));
      }
      if (dst[k].data) InsertAt(dst[k], out_axis[k], out_dirs_[k] ? len - 1 - t : t, v);
    }
  }
  for (size_t k = 0; k < states_; ++k) {
    const TensorView& v = state[k].view();
    auto p = alloc(k, v.dtype, v.shape);
    if (!p.ok()) return p.status();
    if (*p) memory::CopyBytes(*p, v.data, v.bytes());
  }
  if (len == 0) {
    for (size_t k = 0; k < outs; ++k) {
      // No iteration: the body's declared output says what one slice would have been.
      const graph::Graph& b = body_->graph();
      const graph::TensorType& tt = b.values[b.outputs[states_ + k]].type;
      if (tt.dtype == DType::kUndefined || !tt.has_shape)
        return absl::UnimplementedError(graph::UnsupportedMessage(
            node_, "empty sequences and the body does not declare its scan output's type"));
      Shape full;
      for (const graph::Dim& d : tt.dims) full.push_back(d.is_static() ? d.value : 0);
      const int64_t a = v8_ ? 0 : out_axes_[k];
      const int64_t rank = static_cast<int64_t>(full.size()) + 1;
      full.insert(full.begin() + (a < 0 ? a + rank : a), 0);
      if (auto p = alloc(states_ + k, tt.dtype, full); !p.ok()) return p.status();
    }
  }
  return absl::OkStatus();
}

absl::Status ScanKernel::Execute(const KernelIo& io, OutputSink& sink) {
  const size_t first = v8_ ? 1 : 0;
  const size_t explicit_in = graph::ExplicitInputs(node_);
  std::vector<TensorView> states(io.inputs.begin() + first, io.inputs.begin() + first + states_);
  std::vector<TensorView> seqs(io.inputs.begin() + first + states_,
                               io.inputs.begin() + explicit_in);
  std::vector<TensorView> implicit(io.inputs.begin() + explicit_in, io.inputs.end());
  if (!v8_) {
    return ScanOnce(states, seqs, implicit,
                    [&](size_t k, DType t, const Shape& s) { return sink.Alloc(k, t, s); });
  }
  // Opset 8: batch dimension first on every state and sequence; one scan per batch item.
  const int64_t batch = seqs[0].shape.empty() ? -1 : seqs[0].shape[0];
  for (const auto* group : {&states, &seqs})
    for (const TensorView& v : *group)
      if (v.shape.size() < (group == &seqs ? 2u : 1u) || v.shape[0] != batch)
        return Error("every state and sequence needs the same batch dimension first");
  const int64_t len = seqs[0].shape[1];
  if (io.inputs[0].data) {
    const TensorView& lens = io.inputs[0];
    if (lens.dtype != DType::kInt64 || lens.numel() != batch)
      return Error("sequence_lens must be int64 with one entry per batch item");
    for (int64_t b = 0; b < batch; ++b)
      if (lens.as<int64_t>()[b] != len)
        return absl::UnimplementedError(graph::UnsupportedMessage(
            node_, "sequence_lens shorter than the sequences (padding) is not implemented"));
  }
  if (batch == 0) return Error("an empty batch has no shape to give the outputs");
  auto item = [](const TensorView& v, int64_t b) {
    TensorView r{v.dtype, Shape(v.shape.begin() + 1, v.shape.end()), nullptr};
    r.data = static_cast<uint8_t*>(v.data) + b * r.bytes();
    return r;
  };
  std::vector<void*> base(node_.outputs.size(), nullptr);
  std::vector<Shape> each(node_.outputs.size());
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<TensorView> st, sq;
    for (const auto& v : states) st.push_back(item(v, b));
    for (const auto& v : seqs) sq.push_back(item(v, b));
    auto alloc = [&](size_t k, DType t, const Shape& s) -> absl::StatusOr<void*> {
      if (b == 0) {
        Shape full = s;
        full.insert(full.begin(), batch);
        auto p = sink.Alloc(k, t, full);
        if (!p.ok()) return p.status();
        base[k] = *p;
        each[k] = s;
      } else if (s != each[k]) {
        return Error(absl::StrCat("output ", k, " differs in shape between batch items"));
      }
      if (!base[k]) return nullptr;
      return static_cast<uint8_t*>(base[k]) + b * graph::NumElements(s) * graph::DTypeSize(t);
    };
    if (auto s = ScanOnce(st, sq, implicit, alloc); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateScan(const KernelInfo& info) {
  const graph::Node& n = info.node;
  if (auto s = graph::ValidateControlFlow(n); !s.ok()) return s;
  const size_t first = n.opset < 9 ? 1 : 0;
  const size_t scans = static_cast<size_t>(n.GetInt("num_scan_inputs", 0));
  const size_t explicit_in = graph::ExplicitInputs(n);
  const size_t states = explicit_in - first - scans;
  std::vector<DType> dtypes;
  for (size_t i = first; i < n.inputs.size(); ++i) {
    if (i < explicit_in && !info.has_input(i))
      return info.Error("state and scan inputs cannot be omitted");
    // A Scan body runs on its own pool (ScanOnce passes none), so a sequence/optional state
    // would point at objects its next iteration frees.
    if (i < first + states && info.in_dtypes[i] == DType::kHandle)
      return info.Unsupported("sequence/optional Scan state values");
    dtypes.push_back(info.in_dtypes[i]);
  }
  auto body = BodyRunner::Create(info, "body", dtypes);
  if (!body.ok()) return body.status();
  return std::unique_ptr<Kernel>(new ScanKernel(n, *std::move(body), states, scans));
}

}  // namespace control_flow
}  // namespace socd::cpu
