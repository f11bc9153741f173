#include "backends/opencl/cl_partition.h"

#include <chrono>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/memory/copy.h"
#include "backends/static_plan.h"
#include "graph/op_schema.h"
#include "spdlog/spdlog.h"

namespace socd::opencl {

using graph::kNoValue;
using graph::TensorView;

namespace cl_partition_impl {

size_t RoundUp(size_t x, size_t a) { return (x + a - 1) / a * a; }

size_t ValueBytes(const graph::InferredValue& v) {
  const int64_t n = graph::NumElements(v.shape);
  return n > 0 ? static_cast<size_t>(n) * graph::DTypeSize(v.dtype) : 0;
}

// Reshape-like ops whose output shares its input's storage in the plan: nothing to run.
bool PureAlias(const std::string& op) {
  return op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" ||
         op == "Identity" || op == "Dropout";
}

}  // namespace cl_partition_impl

absl::StatusOr<std::unique_ptr<ClPartition>> ClPartition::Create(
    std::shared_ptr<ClRuntime> rt, std::shared_ptr<const graph::Graph> g) {
  std::unique_ptr<ClPartition> p(new ClPartition(std::move(rt), std::move(g)));
  cl_int err = CL_SUCCESS;
  p->queue_ =
      clCreateCommandQueue(p->rt_->context(), p->rt_->device(), CL_QUEUE_PROFILING_ENABLE, &err);
  if (err != CL_SUCCESS) return ClError("clCreateCommandQueue", err);
  const char* prof = std::getenv("SOCD_CL_PROFILE");
  p->profiling_ = prof && std::string(prof) == "1";
  if (auto prog = p->rt_->Program(); !prog.ok()) return prog.status();
  return p;
}

ClPartition::~ClPartition() {
  ReleasePlan().IgnoreError();
  if (queue_) clReleaseCommandQueue(queue_);
}

absl::Status ClPartition::ReleaseRunState() {
  for (auto& [mem, ptr] : mapped_)
    SOCD_CL_RETURN_IF_ERROR(clEnqueueUnmapMemObject(queue_, mem, ptr, 0, nullptr, nullptr));
  const bool had_maps = !mapped_.empty();
  mapped_.clear();
  // Unmaps must complete before the wrapped memory is released or written again.
  if (had_maps) SOCD_CL_RETURN_IF_ERROR(clFinish(queue_));
  out_wrap_.clear();
  in_wrap_.clear();
  std::fill(override_.begin(), override_.end(), nullptr);
  last_output_mem_.clear();
  return absl::OkStatus();
}

absl::Status ClPartition::ReleasePlan() {
  absl::Status s = queue_ ? ReleaseRunState() : absl::OkStatus();
  for (Launch& l : launches_)
    if (l.kernel) clReleaseKernel(l.kernel);
  launches_.clear();
  tables_.clear();
  root_mem_.clear();
  const_mem_.clear();
  const_pool_mem_.reset();
  const_pool_.reset();
  arena_mem_.reset();
  arena_.reset();
  in_stage_mem_.clear();
  in_stage_host_.clear();
  out_host_.clear();
  prepared_ = false;
  return s;
}

absl::Status ClPartition::AddLaunches(int node, const std::vector<ClDispatch>& ds) {
  auto program = rt_->Program();
  if (!program.ok()) return program.status();
  for (const ClDispatch& d : ds) {
    if (d.global[0] == 0 || d.global[1] == 0 || d.global[2] == 0) continue;  // empty tensor
    Launch l;
    l.name = d.kernel;
    l.node = node;
    l.dims = static_cast<cl_uint>(d.dims);
    for (int i = 0; i < 3; ++i) {
      l.global[i] = d.global[i];
      l.local[i] = d.local[i];
    }
    cl_int err = CL_SUCCESS;
    l.kernel = clCreateKernel(*program, d.kernel.c_str(), &err);
    if (err != CL_SUCCESS) return ClError(absl::StrCat("clCreateKernel(", d.kernel, ")"), err);
    launches_.push_back(l);  // owns the kernel from here (ReleasePlan)
    Launch& ref = launches_.back();
    for (size_t a = 0; a < d.args.size(); ++a) {
      const ClArg& arg = d.args[a];
      const cl_uint idx = static_cast<cl_uint>(a);
      switch (arg.kind) {
        case ClArg::kValue:
          ref.value_args.push_back({idx, arg.value});
          break;
        case ClArg::kNull:
          SOCD_CL_RETURN_IF_ERROR(clSetKernelArg(ref.kernel, idx, sizeof(cl_mem), nullptr));
          break;
        case ClArg::kBytes:
          SOCD_CL_RETURN_IF_ERROR(
              clSetKernelArg(ref.kernel, idx, arg.bytes.size(), arg.bytes.data()));
          break;
        case ClArg::kTable: {
          std::vector<uint8_t> bytes = arg.bytes;
          if (bytes.empty()) bytes.resize(4);
          cl_mem m = clCreateBuffer(rt_->context(), CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                    bytes.size(), bytes.data(), &err);
          if (err != CL_SUCCESS) return ClError("clCreateBuffer(table)", err);
          tables_.emplace_back(m);
          SOCD_CL_RETURN_IF_ERROR(clSetKernelArg(ref.kernel, idx, sizeof(cl_mem), &m));
          break;
        }
      }
    }
  }
  return absl::OkStatus();
}

// Constants the launches read: wrapped where they already sit at an aligned address, the rest
// packed once into one UnifiedBuffer (a load-time copy, like the CPU backend's weight
// packing); on staging devices uploaded to device memory.
absl::Status ClPartition::PlaceConstants() {
  using cl_partition_impl::RoundUp;
  using cl_partition_impl::ValueBytes;
  const size_t align = rt_->alignment();
  std::vector<int> used;
  std::vector<char> seen(vals_.size(), 0);
  for (const Launch& l : launches_) {
    for (const auto& [idx, v] : l.value_args) {
      if (locs_[v].kind == backends::ValueLocation::kConstant && !seen[v] && ValueBytes(vals_[v])) {
        seen[v] = 1;
        used.push_back(v);
      }
    }
  }
  cl_int err = CL_SUCCESS;
  std::vector<std::pair<int, size_t>> pooled;
  size_t pool_bytes = 0;
  for (int v : used) {
    const size_t bytes = ValueBytes(vals_[v]);
    void* p = const_cast<void*>(locs_[v].ptr);
    if (rt_->staging()) {
      cl_mem m = clCreateBuffer(rt_->context(), CL_MEM_READ_ONLY, bytes, nullptr, &err);
      if (err != CL_SUCCESS) return ClError("clCreateBuffer(constant)", err);
      const_mem_[v].reset(m);
      if (auto s = StageIn(queue_, m, 0, p, bytes); !s.ok()) return s;
    } else if (reinterpret_cast<uintptr_t>(p) % align == 0) {
      cl_mem m =
          clCreateBuffer(rt_->context(), CL_MEM_READ_ONLY | CL_MEM_USE_HOST_PTR, bytes, p, &err);
      if (err != CL_SUCCESS) return ClError("clCreateBuffer(constant, CL_MEM_USE_HOST_PTR)", err);
      const_mem_[v].reset(m);
    } else {
      pooled.push_back({v, pool_bytes});
      pool_bytes += RoundUp(bytes, align);
    }
  }
  if (pooled.empty()) return absl::OkStatus();
  auto pool = memory::UnifiedBuffer::Allocate(pool_bytes, "socd-cl-constants");
  if (!pool.ok()) return pool.status();
  const_pool_ = *std::move(pool);
  auto mem = WrapHostMemory(rt_->context(), const_pool_->data(), const_pool_->mapped_size(), align,
                            CL_MEM_READ_ONLY);
  if (!mem.ok()) return mem.status();
  const_pool_mem_.reset(*mem);
  for (const auto& [v, off] : pooled) {
    const size_t bytes = ValueBytes(vals_[v]);
    memory::CopyBytes(static_cast<uint8_t*>(const_pool_->data()) + off, locs_[v].ptr, bytes);
    cl_buffer_region region{off, bytes};
    cl_mem m = clCreateSubBuffer(const_pool_mem_.get(), CL_MEM_READ_ONLY,
                                 CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
    if (err != CL_SUCCESS) return ClError("clCreateSubBuffer(constant)", err);
    const_mem_[v].reset(m);
  }
  return absl::OkStatus();
}

absl::Status ClPartition::Prepare(const std::vector<graph::Shape>& input_shapes) {
  using cl_partition_impl::ValueBytes;
  if (prepared_ && input_shapes == prepared_shapes_) return absl::OkStatus();
  if (auto s = ReleasePlan(); !s.ok()) return s;
  const graph::Graph& g = *g_;
  graph::NodeEvaluator eval = cpu::EvaluateNode;
  backends::StaticPlanOptions po;
  po.evaluator = &eval;
  po.alignment = rt_->alignment();  // sub-buffer offsets: CL_DEVICE_MEM_BASE_ADDR_ALIGN
  auto plan = backends::BuildStaticPlan(g, input_shapes, po);
  if (!plan.ok()) {
    if (graph::IsNeedsValue(plan.status())) {
      return absl::UnimplementedError(
          absl::StrCat("opencl: shapes depend on run-time tensor values (", plan.status().message(),
                       "); this backend runs statically planned graphs only"));
    }
    return plan.status();
  }
  vals_ = std::move(plan->vals);
  locs_ = std::move(plan->locs);
  root_ = std::move(plan->root);
  const size_t nv = vals_.size();
  root_mem_.clear();
  root_mem_.resize(nv);
  const_mem_.clear();
  const_mem_.resize(nv);
  override_.assign(nv, nullptr);
  const auto& ops = ClOps();
  for (const backends::PlanStep& st : plan->steps) {
    const graph::Node& n = g.nodes[st.node];
    auto it = ops.find(n.op_type);
    if (it == ops.end() || (!n.domain.empty() && n.domain != "ai.onnx"))
      return absl::UnimplementedError(absl::StrCat("opencl: ", n.Describe(), " not supported"));
    LowerCtx ctx(n, vals_, st);
    ctx.fp64 = rt_->info().fp64;
    ctx.out0_aliased = cl_partition_impl::PureAlias(n.op_type) && !st.out_values.empty() &&
                       st.out_values[0] != kNoValue && n.has_input(0) &&
                       root_[st.out_values[0]] == root_[st.in_values[0]];
    auto ds = it->second.lower(ctx);
    if (!ds.ok()) return ds.status();
    if (auto s = AddLaunches(st.node, *ds); !s.ok()) return s;
  }
  // The arena: one UnifiedBuffer wrapped zero-copy (or device memory when staging); every
  // arena root is a sub-buffer at its planned (aligned) offset.
  const size_t arena_bytes = std::max<size_t>(plan->arena_bytes, 1);
  cl_int err = CL_SUCCESS;
  if (rt_->staging()) {
    cl_mem m = clCreateBuffer(rt_->context(), CL_MEM_READ_WRITE, arena_bytes, nullptr, &err);
    if (err != CL_SUCCESS) return ClError("clCreateBuffer(arena)", err);
    arena_mem_.reset(m);
  } else {
    auto a = memory::UnifiedBuffer::Allocate(arena_bytes, "socd-cl-arena");
    if (!a.ok()) return a.status();
    arena_ = *std::move(a);
    auto m =
        WrapHostMemory(rt_->context(), arena_->data(), arena_->mapped_size(), rt_->alignment());
    if (!m.ok()) return m.status();
    arena_mem_.reset(*m);
  }
  for (size_t v = 0; v < nv; ++v) {
    if (locs_[v].kind != backends::ValueLocation::kArena || root_[v] != static_cast<int>(v))
      continue;
    const size_t bytes = ValueBytes(vals_[v]);
    if (bytes == 0) continue;
    cl_buffer_region region{locs_[v].offset, bytes};
    cl_mem m = clCreateSubBuffer(arena_mem_.get(), CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION,
                                 &region, &err);
    if (err != CL_SUCCESS) return ClError("clCreateSubBuffer(arena)", err);
    root_mem_[v].reset(m);
  }
  if (auto s = PlaceConstants(); !s.ok()) return s;
  in_stage_host_.clear();
  in_stage_host_.resize(g.inputs.size());
  in_stage_mem_.clear();
  in_stage_mem_.resize(g.inputs.size());
  in_mem_.assign(g.inputs.size(), nullptr);
  out_host_.clear();
  out_host_.resize(g.outputs.size());
  stats_ = {};
  stats_.arena_bytes = plan->arena_bytes;
  stats_.tensor_bytes = plan->tensor_bytes;
  run_info_ = {};
  run_info_.launches = static_cast<int>(launches_.size());
  prepared_shapes_ = input_shapes;
  prepared_ = true;
  return absl::OkStatus();
}

std::vector<TensorView> ClPartition::planned_outputs() const {
  std::vector<TensorView> out;
  if (!prepared_) return out;
  for (int o : g_->outputs) out.push_back({vals_[o].dtype, vals_[o].shape, nullptr});
  return out;
}

cl_mem ClPartition::MemFor(int v) const {
  const backends::ValueLocation& loc = locs_[v];
  switch (loc.kind) {
    case backends::ValueLocation::kArena:
      return override_[root_[v]] ? override_[root_[v]] : root_mem_[root_[v]].get();
    case backends::ValueLocation::kInput:
      return in_mem_[loc.input];
    case backends::ValueLocation::kConstant:
      return const_mem_[v].get();
    default:
      return nullptr;
  }
}

}  // namespace socd::opencl
