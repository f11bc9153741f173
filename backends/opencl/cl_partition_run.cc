// ClPartition::Run: bind inputs (wrapped zero-copy, or staged and counted), let outputs land
// in caller memory (out_dest wrapped where importable), enqueue every launch on the in-order
// queue, one clFinish, then map the outputs for the host (coherence for USE_HOST_PTR buffers).
#include <chrono>

#include "absl/strings/str_cat.h"
#include "backends/memory/copy.h"
#include "backends/opencl/cl_partition.h"
#include "spdlog/spdlog.h"

namespace socd::opencl {

using graph::TensorView;

absl::Status ClPartition::BindInputs(const std::vector<TensorView>& inputs) {
  const graph::Graph& g = *g_;
  const size_t align = rt_->alignment();
  in_wrap_.clear();
  in_wrap_.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const size_t bytes = inputs[i].bytes();
    in_mem_[i] = nullptr;
    if (bytes == 0) continue;
    if (!rt_->staging() && CheckImportable(inputs[i].data, bytes, align).ok()) {
      auto m = WrapHostMemory(rt_->context(), inputs[i].data, bytes, align, CL_MEM_READ_ONLY);
      if (!m.ok()) return m.status();
      in_wrap_[i].reset(*m);
      in_mem_[i] = *m;
      continue;
    }
    // Not importable (or no unified memory): one counted copy into socd's own storage.
    run_info_.zero_copy_inputs = false;
    if (!in_stage_mem_[i].get()) {
      cl_int err = CL_SUCCESS;
      if (rt_->staging()) {
        cl_mem m = clCreateBuffer(rt_->context(), CL_MEM_READ_ONLY, bytes, nullptr, &err);
        if (err != CL_SUCCESS) return ClError("clCreateBuffer(input)", err);
        in_stage_mem_[i].reset(m);
      } else {
        auto ub = memory::UnifiedBuffer::Allocate(bytes, absl::StrCat("socd-cl-input-", i));
        if (!ub.ok()) return ub.status();
        in_stage_host_[i] = *std::move(ub);
        auto m = WrapHostMemory(rt_->context(), in_stage_host_[i]->data(),
                                in_stage_host_[i]->mapped_size(), align, CL_MEM_READ_ONLY);
        if (!m.ok()) return m.status();
        in_stage_mem_[i].reset(*m);
      }
    }
    if (rt_->staging()) {
      if (auto s = StageIn(queue_, in_stage_mem_[i].get(), 0, inputs[i].data, bytes); !s.ok())
        return s;
    } else {
      memory::CopyBytes(in_stage_host_[i]->data(), inputs[i].data, bytes);
    }
    in_mem_[i] = in_stage_mem_[i].get();
  }
  (void)g;
  return absl::OkStatus();
}

absl::Status ClPartition::Run(const std::vector<TensorView>& inputs,
                              std::vector<TensorView>& outputs,
                              const std::vector<void*>& out_dest) {
  const graph::Graph& g = *g_;
  if (inputs.size() != g.inputs.size()) return backends::CheckRunInputs(g, inputs, "opencl");
  std::vector<graph::Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape);
  if (auto s = Prepare(shapes); !s.ok()) return s;
  if (auto s = backends::CheckRunInputs(g, inputs, "opencl"); !s.ok()) return s;
  if (auto s = ReleaseRunState(); !s.ok()) return s;
  run_info_.zero_copy_inputs = true;
  run_info_.zero_copy_outputs = true;
  const auto t0 = std::chrono::steady_clock::now();
  if (auto s = BindInputs(inputs); !s.ok()) return s;
  // Outputs the caller wants in its own memory: the output's whole storage group moves there
  // for this run, so the producing kernel writes it directly (as the CPU backend does).
  const size_t align = rt_->alignment();
  for (size_t k = 0; k < out_dest.size() && k < g.outputs.size(); ++k) {
    const int o = g.outputs[k];
    const size_t bytes = graph::NumElements(vals_[o].shape) * graph::DTypeSize(vals_[o].dtype);
    if (!out_dest[k] || bytes == 0 || rt_->staging() ||
        locs_[o].kind != backends::ValueLocation::kArena || override_[root_[o]] ||
        !CheckImportable(out_dest[k], bytes, align).ok()) {
      continue;
    }
    auto m = WrapHostMemory(rt_->context(), out_dest[k], bytes, align, CL_MEM_READ_WRITE);
    if (!m.ok()) return m.status();
    override_[root_[o]] = *m;
    out_wrap_.emplace_back(*m);
  }
  std::vector<cl_event> events(profiling_ ? launches_.size() : 0, nullptr);
  for (size_t li = 0; li < launches_.size(); ++li) {
    Launch& l = launches_[li];
    for (const auto& [idx, v] : l.value_args) {
      cl_mem m = MemFor(v);
      SOCD_CL_RETURN_IF_ERROR(clSetKernelArg(l.kernel, idx, sizeof(cl_mem), m ? &m : nullptr));
    }
    SOCD_CL_RETURN_IF_ERROR(clEnqueueNDRangeKernel(queue_, l.kernel, l.dims, nullptr, l.global,
                                                   l.local, 0, nullptr,
                                                   profiling_ ? &events[li] : nullptr));
  }
  SOCD_CL_RETURN_IF_ERROR(clFinish(queue_));
  run_info_.run_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  if (profiling_) {
    timings_.clear();
    run_info_.kernel_us = 0;
    for (size_t li = 0; li < events.size(); ++li) {
      cl_ulong start = 0, end = 0;
      clGetEventProfilingInfo(events[li], CL_PROFILING_COMMAND_START, sizeof start, &start,
                              nullptr);
      clGetEventProfilingInfo(events[li], CL_PROFILING_COMMAND_END, sizeof end, &end, nullptr);
      clReleaseEvent(events[li]);
      const double us = static_cast<double>(end - start) / 1e3;
      run_info_.kernel_us += us;
      timings_.push_back({launches_[li].name, g.nodes[launches_[li].node].Describe(), us});
      spdlog::debug("opencl: {} {} {:.1f} us", timings_.back().node, timings_.back().kernel, us);
    }
  }
  outputs.clear();
  last_output_mem_.assign(g.outputs.size(), nullptr);
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    const int o = g.outputs[k];
    TensorView t{vals_[o].dtype, vals_[o].shape, nullptr};
    const size_t bytes = t.bytes();
    void* dest = k < out_dest.size() ? out_dest[k] : nullptr;
    const backends::ValueLocation& loc = locs_[o];
    if (loc.kind == backends::ValueLocation::kConstant) {
      t.data = const_cast<void*>(loc.ptr);
    } else if (loc.kind == backends::ValueLocation::kInput) {
      t.data = inputs[loc.input].data;
    } else if (bytes > 0) {
      cl_mem m = MemFor(o);
      last_output_mem_[k] = m;
      if (rt_->staging()) {
        void* host = dest;
        if (!host) {
          if (!out_host_[k]) {
            auto ub = memory::UnifiedBuffer::Allocate(bytes, absl::StrCat("socd-cl-output-", k));
            if (!ub.ok()) return ub.status();
            out_host_[k] = *std::move(ub);
          }
          host = out_host_[k]->data();
        }
        if (auto s = StageOut(queue_, m, 0, host, bytes); !s.ok()) return s;
        run_info_.zero_copy_outputs = false;
        t.data = host;
      } else {
        // Mapping is what makes kernel writes to a USE_HOST_PTR buffer defined for the host;
        // on a unified device it returns the host pointer itself (no copy). Unmapped at the
        // next Run/Prepare, which is as long as the returned views are valid.
        cl_int err = CL_SUCCESS;
        void* p = clEnqueueMapBuffer(queue_, m, CL_TRUE, CL_MAP_READ, 0, bytes, 0, nullptr, nullptr,
                                     &err);
        if (err != CL_SUCCESS) return ClError("clEnqueueMapBuffer(output)", err);
        mapped_.push_back({m, p});
        t.data = p;
      }
    }
    if (dest && t.data != dest) {
      memory::CopyBytes(dest, t.data, bytes);
      t.data = dest;
      run_info_.zero_copy_outputs = false;
    }
    outputs.push_back(t);
  }
  return absl::OkStatus();
}

}  // namespace socd::opencl
