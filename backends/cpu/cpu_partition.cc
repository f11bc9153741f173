#include "backends/cpu/cpu_partition.h"

#include "absl/strings/str_cat.h"
#include "backends/cpu/allocating_kernel.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/memory/copy.h"
#include "graph/op_schema.h"

namespace socd::cpu {

using graph::kNoValue;

CpuPartition::CpuPartition(std::shared_ptr<const graph::Graph> g, int threads)
    : g_(std::move(g)), pool_(threads), threads_(threads) {}

namespace {

absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const graph::Node& n,
                                                     const std::vector<graph::InferredValue>& vals,
                                                     int threads) {
  auto def = KernelRegistry::Get().Find(n);
  if (!def.ok()) return def.status();
  KernelInfo info{n, {}, {}, {}, {}, {}, threads};
  for (int v : n.inputs) {
    if (v == kNoValue) {
      info.in_dtypes.push_back(DType::kUndefined);
      info.in_shapes.emplace_back();
      info.in_consts.push_back({});
      continue;
    }
    info.in_dtypes.push_back(vals[v].dtype);
    info.in_shapes.push_back(vals[v].shape);
    info.in_consts.push_back(vals[v].value ? vals[v].value->view() : TensorView{});
  }
  for (int v : n.outputs) {
    info.out_dtypes.push_back(v == kNoValue ? DType::kUndefined : vals[v].dtype);
    info.out_shapes.push_back(v == kNoValue ? Shape{} : vals[v].shape);
  }
  return (*def)->create(info);
}

}  // namespace

absl::Status CpuPartition::Prepare(const std::vector<Shape>& input_shapes) {
  if (prepared_ && input_shapes == prepared_shapes_) return absl::OkStatus();
  prepared_ = false;
  steps_.clear();
  const graph::Graph& g = *g_;
  graph::NodeEvaluator eval = EvaluateNode;
  backends::StaticPlanOptions po;
  po.evaluator = &eval;
  po.allow_strings = true;
  auto plan = backends::BuildStaticPlan(g, input_shapes, po);
  if (!plan.ok()) {
    if (!graph::IsNeedsValue(plan.status())) return plan.status();
    // Shapes depend on run-time data: plan per run instead.
    dynamic_ = true;
    stats_ = {};
    stats_.dynamic = true;
    prepared_shapes_ = input_shapes;
    prepared_ = true;
    return absl::OkStatus();
  }
  dynamic_ = false;
  vals_ = std::move(plan->vals);
  locs_ = std::move(plan->locs);
  root_ = std::move(plan->root);
  root_override_.assign(g.values.size(), nullptr);
  for (const backends::PlanStep& ps : plan->steps) {
    Step st;
    st.node = ps.node;
    st.in_values = ps.in_values;
    st.out_values = ps.out_values;
    steps_.push_back(std::move(st));
  }
  if (!arena_ || arena_->size() < plan->arena_bytes) {
    auto a = memory::UnifiedBuffer::Allocate(plan->arena_bytes, "socd-cpu-arena");
    if (!a.ok()) return a.status();
    arena_ = *std::move(a);
  }
  stats_.arena_bytes = plan->arena_bytes;
  stats_.tensor_bytes = plan->tensor_bytes;
  stats_.dynamic = false;
  // Kernels and their I/O views (graph-input views are patched per run).
  for (Step& st : steps_) {
    const graph::Node& n = g.nodes[st.node];
    auto k = CreateKernel(n, vals_, threads_);
    if (!k.ok()) return k.status();
    st.kernel = *std::move(k);
    st.io.pool = &pool_;
    st.io.strings = pool_for_strings();
    st.io.inputs.clear();
    st.io.outputs.clear();
    for (int v : st.in_values) {
      if (v == kNoValue) {
        st.io.inputs.push_back({});
        continue;
      }
      st.io.inputs.push_back({vals_[v].dtype, vals_[v].shape, nullptr});
    }
    for (int v : st.out_values) {
      if (v == kNoValue) {
        st.io.outputs.push_back({});
        continue;
      }
      st.io.outputs.push_back({vals_[v].dtype, vals_[v].shape,
                               static_cast<uint8_t*>(arena_->data()) + locs_[v].offset});
    }
  }
  prepared_shapes_ = input_shapes;
  prepared_ = true;
  return absl::OkStatus();
}

void* CpuPartition::Resolve(const backends::ValueLocation& loc,
                            const std::vector<TensorView>& inputs) const {
  switch (loc.kind) {
    case backends::ValueLocation::kArena:
      return static_cast<uint8_t*>(arena_->data()) + loc.offset;
    case backends::ValueLocation::kInput:
      return inputs[loc.input].data;
    case backends::ValueLocation::kConstant:
      return const_cast<void*>(loc.ptr);
    default:
      return nullptr;
  }
}

std::vector<TensorView> CpuPartition::planned_outputs() const {
  std::vector<TensorView> out;
  if (!prepared_ || dynamic_) return out;
  for (int o : g_->outputs) out.push_back({vals_[o].dtype, vals_[o].shape, nullptr});
  return out;
}

absl::Status CpuPartition::Run(const std::vector<TensorView>& inputs,
                               std::vector<TensorView>& outputs,
                               const std::vector<void*>& out_dest) {
  const graph::Graph& g = *g_;
  if (inputs.size() != g.inputs.size()) return backends::CheckRunInputs(g, inputs, "");
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape);
  if (auto s = Prepare(shapes); !s.ok()) return s;
  if (auto s = backends::CheckRunInputs(g, inputs, ""); !s.ok()) return s;
  // The previous run's string outputs end here (graph/string_store.h); a shared pool belongs to
  // the enclosing run, which clears it.
  if (!shared_strings_) strings_.Clear();
  if (dynamic_) {
    if (auto st = RunDynamic(inputs, outputs); !st.ok()) return st;
    for (size_t k = 0; k < out_dest.size() && k < outputs.size(); ++k) {
      if (!out_dest[k]) continue;
      memory::CopyBytes(out_dest[k], outputs[k].data, outputs[k].bytes());
      outputs[k].data = out_dest[k];
    }
    return absl::OkStatus();
  }
  // Outputs the caller wants in its own memory (a client's shared-memory region): the whole
  // storage group of the output (it and the values it aliases) moves there for this run, so
  // the producing kernel writes into it directly. Constants and input aliases are copied.
  std::fill(root_override_.begin(), root_override_.end(), nullptr);
  for (size_t k = 0; k < out_dest.size() && k < g.outputs.size(); ++k) {
    const int o = g.outputs[k];
    if (out_dest[k] && locs_[o].kind == backends::ValueLocation::kArena &&
        !root_override_[root_[o]]) {
      root_override_[root_[o]] = out_dest[k];
    }
  }
  auto where = [&](int v) {
    void* p = root_override_[root_[v]];
    return p ? p : Resolve(locs_[v], inputs);
  };
  for (Step& st : steps_) {
    st.io.strings = pool_for_strings();
    for (size_t i = 0; i < st.in_values.size(); ++i) {
      int v = st.in_values[i];
      if (v != kNoValue) st.io.inputs[i].data = where(v);
    }
    for (size_t o = 0; o < st.out_values.size(); ++o) {
      int v = st.out_values[o];
      if (v != kNoValue) st.io.outputs[o].data = where(v);
    }
    if (auto s = st.kernel->Run(st.io); !s.ok()) return s;
  }
  outputs.clear();
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    const int o = g.outputs[k];
    TensorView t{vals_[o].dtype, vals_[o].shape, where(o)};
    if (k < out_dest.size() && out_dest[k] && t.data != out_dest[k]) {
      memory::CopyBytes(out_dest[k], t.data, t.bytes());
      t.data = out_dest[k];
    }
    outputs.push_back(t);
  }
  return absl::OkStatus();
}

absl::Status CpuPartition::RunDynamic(const std::vector<TensorView>& inputs,
                                      std::vector<TensorView>& outputs) {
  const graph::Graph& g = *g_;
  std::vector<graph::InferredValue> vals(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v)
    if (const auto& c = g.values[v].constant) vals[v] = {c->dtype(), c->shape(), true, c};
  std::vector<TensorView> views(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v)
    if (vals[v].value) views[v] = vals[v].value->view();
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    vals[g.inputs[i]] = {inputs[i].dtype, inputs[i].shape, true, nullptr};
    views[g.inputs[i]] = inputs[i];
  }
  dynamic_storage_.clear();
  std::vector<const graph::InferredValue*> ins;
  std::vector<graph::InferredValue> outs;
  std::vector<std::shared_ptr<graph::Tensor>> keep;
  for (const graph::Node& n : g.nodes) {
    // Every input's contents are known now, which is what the static plan lacked.
    std::vector<graph::InferredValue> with_values(n.inputs.size());
    ins.assign(n.inputs.size(), nullptr);
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      int v = n.inputs[i];
      if (v == kNoValue) continue;
      with_values[i] = vals[v];
      if (!with_values[i].value && views[v].numel() <= (1 << 16)) {
        auto t = std::make_shared<graph::Tensor>(views[v].dtype, views[v].shape);
        // Plan-time view of live data for value-dependent shape inference; not a data copy
        // of the inference itself, but still counted.
        memory::CopyBytes(t->data(), views[v].data, views[v].bytes());
        with_values[i].value = t;
        keep.push_back(t);
      }
      ins[i] = &with_values[i];
    }
    if (auto s = graph::InferNode(n, ins, outs); !s.ok()) {
      // Control flow whose output shapes only running tells sizes its own outputs.
      if (!graph::IsNeedsValue(s)) return s;
      const int index = static_cast<int>(&n - g.nodes.data());
      auto r = RunNodeAllocating(n, index, s, vals, views, dynamic_storage_, &pool_, threads_,
                                 allocating_kernels_, pool_for_strings());
      if (!r.ok()) return r;
      continue;
    }
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      int v = n.outputs[o];
      if (v == kNoValue) continue;
      auto t = std::make_shared<graph::Tensor>(outs[o].dtype, outs[o].shape);
      dynamic_storage_.push_back(t);
      vals[v] = {outs[o].dtype, outs[o].shape, true, nullptr};
      views[v] = t->view();
    }
    auto k = CreateKernel(n, vals, threads_);
    if (!k.ok()) return k.status();
    KernelIo io;
    io.pool = &pool_;
    io.strings = pool_for_strings();
    for (int v : n.inputs) io.inputs.push_back(v == kNoValue ? TensorView{} : views[v]);
    for (int v : n.outputs) io.outputs.push_back(v == kNoValue ? TensorView{} : views[v]);
    if (auto s = (*k)->Run(io); !s.ok()) return s;
  }
  outputs.clear();
  for (int o : g.outputs) outputs.push_back(views[o]);
  return absl::OkStatus();
}

}  // namespace socd::cpu
